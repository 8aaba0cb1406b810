// Package keypair makes and reads EC2 key pairs: real RSA and ED25519 keys,
// with the fingerprints AWS documents for KeyPairInfo.KeyFingerprint.
package keypair

import (
	"bytes"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Key types, as EC2 names them.
const (
	RSA     = "rsa"
	ED25519 = "ed25519"
)

// rsaBits is the size of the RSA keys CreateKeyPair makes, as on AWS.
const rsaBits = 2048

// Key is a key pair's public half, its fingerprint and, for a key made
// here, its private half.
type Key struct {
	Type        string
	PublicKey   string // authorized_keys form, without a comment
	Fingerprint string
	Material    string // PEM private key; empty for an imported key
}

// Generate makes a key pair of the given type. AWS returns RSA keys as
// PKCS#1 PEM and ED25519 keys in OpenSSH's own PEM format.
func Generate(keyType string) (Key, error) {
	switch keyType {
	case RSA:
		priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			return Key{}, fmt.Errorf("failed to generate an RSA key: %w", err)
		}
		pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return Key{}, fmt.Errorf("failed to encode the RSA key: %w", err)
		}
		pub, err := ssh.NewPublicKey(&priv.PublicKey)
		if err != nil {
			return Key{}, fmt.Errorf("failed to encode the RSA public key: %w", err)
		}
		sum := sha1.Sum(pkcs8)
		return Key{
			Type: RSA, PublicKey: authorized(pub), Fingerprint: colonHex(sum[:]),
			Material: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)})),
		}, nil
	case ED25519:
		pubKey, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return Key{}, fmt.Errorf("failed to generate an ED25519 key: %w", err)
		}
		block, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			return Key{}, fmt.Errorf("failed to encode the ED25519 key: %w", err)
		}
		pub, err := ssh.NewPublicKey(pubKey)
		if err != nil {
			return Key{}, fmt.Errorf("failed to encode the ED25519 public key: %w", err)
		}
		return Key{Type: ED25519, PublicKey: authorized(pub), Fingerprint: sha256Fingerprint(pub), Material: string(pem.EncodeToMemory(block))}, nil
	}
	return Key{}, fmt.Errorf("unknown key type %q", keyType)
}

// ErrFormat is returned for public key material Import cannot read.
var ErrFormat = errors.New("key is not in valid OpenSSH public key format")

// Import reads a public key in one of the formats ImportKeyPair accepts:
// OpenSSH (authorized_keys), SSH2 (RFC 4716) or base64 DER
// (SubjectPublicKeyInfo). Only RSA (1024 to 4096 bits) and ED25519 keys
// are accepted, as on AWS.
func Import(material []byte) (Key, error) {
	pub, err := parsePublic(material)
	if err != nil {
		return Key{}, err
	}
	crypto, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return Key{}, ErrFormat
	}
	switch k := crypto.CryptoPublicKey().(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < 1024 || bits > 4096 {
			return Key{}, fmt.Errorf("%w: RSA keys must have 1024 to 4096 bits, not %d", ErrFormat, bits)
		}
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return Key{}, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		sum := md5.Sum(der)
		return Key{Type: RSA, PublicKey: authorized(pub), Fingerprint: colonHex(sum[:])}, nil
	case ed25519.PublicKey:
		return Key{Type: ED25519, PublicKey: authorized(pub), Fingerprint: sha256Fingerprint(pub)}, nil
	}
	return Key{}, fmt.Errorf("%w: only RSA and ED25519 keys are supported, not %s", ErrFormat, pub.Type())
}

func parsePublic(material []byte) (ssh.PublicKey, error) {
	text := bytes.TrimSpace(material)
	if pub, _, _, _, err := ssh.ParseAuthorizedKey(text); err == nil {
		return pub, nil
	}
	if bytes.HasPrefix(text, []byte("---- BEGIN SSH2 PUBLIC KEY ----")) {
		return parseRFC4716(string(text))
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(text)), ""))
	if err != nil {
		return nil, ErrFormat
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, ErrFormat
	}
	pub, err := ssh.NewPublicKey(key)
	if err != nil {
		return nil, ErrFormat
	}
	return pub, nil
}

// parseRFC4716 reads the SSH2 public key file format: a BEGIN/END frame,
// optional "Header: value" lines (continued with a trailing backslash) and
// the base64 key.
func parseRFC4716(text string) (ssh.PublicKey, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var body strings.Builder
	continued := false
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		switch {
		case line == "---- END SSH2 PUBLIC KEY ----":
			blob, err := base64.StdEncoding.DecodeString(body.String())
			if err != nil {
				return nil, ErrFormat
			}
			pub, err := ssh.ParsePublicKey(blob)
			if err != nil {
				return nil, ErrFormat
			}
			return pub, nil
		case continued:
			continued = strings.HasSuffix(line, "\\")
		case strings.Contains(line, ":"):
			continued = strings.HasSuffix(line, "\\")
		default:
			body.WriteString(line)
		}
	}
	return nil, ErrFormat
}

func authorized(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// sha256Fingerprint is the base64 SHA-256 of the SSH wire form of the key,
// OpenSSH's default since 6.8; AWS shows it with base64 padding.
func sha256Fingerprint(pub ssh.PublicKey) string {
	sum := sha256.Sum256(pub.Marshal())
	return base64.StdEncoding.EncodeToString(sum[:])
}

func colonHex(b []byte) string {
	h := hex.EncodeToString(b)
	var out strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			out.WriteByte(':')
		}
		out.WriteString(h[i : i+2])
	}
	return out.String()
}
