package keypair

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// tool runs a third-party command (openssl, ssh-keygen) and returns its
// output; the test skips when the tool is not installed.
func tool(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

func writeKey(t *testing.T, material string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, []byte(material), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The fingerprints are the ones AWS documents how to check with openssl
// and ssh-keygen (EC2 user guide, "Verify the fingerprint").
func TestGeneratedRSA(t *testing.T) {
	k, err := Generate(RSA)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.Material, "-----BEGIN RSA PRIVATE KEY-----") || !strings.HasPrefix(k.PublicKey, "ssh-rsa ") {
		t.Fatalf("material %.40q, public %.20q", k.Material, k.PublicKey)
	}
	path := writeKey(t, k.Material)
	// openssl pkcs8 -in key.pem -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c
	tool(t, "", "openssl", "pkcs8", "-in", path, "-inform", "PEM", "-outform", "DER", "-topk8", "-nocrypt", "-out", path+".der")
	sum := tool(t, "", "openssl", "sha1", "-c", path+".der")
	if want := sum[strings.LastIndex(sum, " ")+1:]; k.Fingerprint != want {
		t.Errorf("fingerprint %s, openssl says %s", k.Fingerprint, want)
	}
	if pub := tool(t, "", "ssh-keygen", "-y", "-f", path); pub != k.PublicKey {
		t.Errorf("public key %q, ssh-keygen derives %q", k.PublicKey, pub)
	}
}

func TestGeneratedED25519(t *testing.T) {
	k, err := Generate(ED25519)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.Material, "-----BEGIN OPENSSH PRIVATE KEY-----") || !strings.HasPrefix(k.PublicKey, "ssh-ed25519 ") {
		t.Fatalf("material %.40q, public %.20q", k.Material, k.PublicKey)
	}
	if _, err := ssh.ParseRawPrivateKey([]byte(k.Material)); err != nil {
		t.Fatalf("the private key does not parse: %v", err)
	}
	// ssh-keygen -l prints "256 SHA256:<base64 without padding> comment (ED25519)".
	out := tool(t, "", "ssh-keygen", "-l", "-f", writeKey(t, k.Material))
	fields := strings.Fields(out)
	if len(fields) < 2 || strings.TrimRight(k.Fingerprint, "=") != strings.TrimPrefix(fields[1], "SHA256:") {
		t.Errorf("fingerprint %s, ssh-keygen says %s", k.Fingerprint, out)
	}
	if !strings.HasSuffix(k.Fingerprint, "=") {
		t.Errorf("fingerprint %s lacks the base64 padding AWS shows", k.Fingerprint)
	}
}

func TestImport(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}))
	rsaPub, _ := ssh.NewPublicKey(&rsaKey.PublicKey)
	authorized := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(rsaPub)))
	spki, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edSSH, _ := ssh.NewPublicKey(edPub)
	// A 512-bit modulus: only its size matters to Import.
	smallPub, err := ssh.NewPublicKey(&rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 511), E: 65537})
	if err != nil {
		t.Fatal(err)
	}

	// openssl rsa -in key.pem -pubout -outform DER | openssl md5 -c
	path := writeKey(t, rsaPEM)
	tool(t, "", "openssl", "rsa", "-in", path, "-pubout", "-outform", "DER", "-out", path+".pub.der")
	md5 := tool(t, "", "openssl", "md5", "-c", path+".pub.der")
	rsaFingerprint := md5[strings.LastIndex(md5, " ")+1:]
	rfc4716 := tool(t, authorized, "ssh-keygen", "-e", "-f", "/dev/stdin")

	tests := []struct {
		name, material, fingerprint, keyType string
		err                                  error
	}{
		{"openssh rsa with comment", authorized + " me@laptop\n", rsaFingerprint, RSA, nil},
		{"rfc4716 rsa", rfc4716, rsaFingerprint, RSA, nil},
		{"base64 der rsa", base64.StdEncoding.EncodeToString(spki), rsaFingerprint, RSA, nil},
		{"openssh ed25519", string(ssh.MarshalAuthorizedKey(edSSH)), "", ED25519, nil},
		{"rsa too small", string(ssh.MarshalAuthorizedKey(smallPub)), "", "", ErrFormat},
		{"garbage", "not a key", "", "", ErrFormat},
		{"private key", rsaPEM, "", "", ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Import([]byte(tt.material))
			if !errors.Is(err, tt.err) {
				t.Fatalf("Import = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if k.Type != tt.keyType || k.Material != "" || (tt.fingerprint != "" && k.Fingerprint != tt.fingerprint) {
				t.Errorf("Import = %s %s, want %s %s", k.Type, k.Fingerprint, tt.keyType, tt.fingerprint)
			}
		})
	}
	// An imported ED25519 key has the fingerprint ssh-keygen shows.
	k, err := Import(ssh.MarshalAuthorizedKey(edSSH))
	if err != nil {
		t.Fatal(err)
	}
	if out := tool(t, string(ssh.MarshalAuthorizedKey(edSSH)), "ssh-keygen", "-l", "-f", "/dev/stdin"); !strings.Contains(out, "SHA256:"+strings.TrimRight(k.Fingerprint, "=")+" ") {
		t.Errorf("fingerprint %s, ssh-keygen says %s", k.Fingerprint, out)
	}
}
