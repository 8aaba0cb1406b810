package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Defaults of a Verifier.
const (
	// DefaultMaxSkew is how far a signing time may be from now, as on AWS.
	DefaultMaxSkew = 15 * time.Minute
	// DefaultMaxBody bounds the body read to hash it: above Lambda's 50 MB
	// zip upload (base64) with its other fields.
	DefaultMaxBody = 80 << 20
	// memoryBody is the largest body kept in memory; larger ones are
	// spooled to a temporary file, so that concurrent uploads do not
	// cost their size in memory twice.
	memoryBody = 1 << 20
)

// Verifier checks SigV4 signatures against a Registry.
type Verifier struct {
	Registry *Registry
	// Strict makes Authenticate demand a valid signature from registered
	// credentials on every call (LocalStack's ENFORCE_IAM).
	Strict bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxSkew is DefaultMaxSkew when zero.
	MaxSkew time.Duration
	// MaxBody is DefaultMaxBody when zero.
	MaxBody int64

	keys signingKeys
}

// NewVerifier returns a lenient verifier of reg's credentials.
func NewVerifier(reg *Registry) *Verifier { return &Verifier{Registry: reg} }

// Authenticate identifies the caller of r. In strict mode it is
// VerifyRequest. Otherwise, as LocalStack does, an unsigned request, an
// unknown access key and the root's keys (test/test) act as the account
// root without any check, while other registered credentials (function
// sandboxes, role sessions) must carry a valid signature.
func (v *Verifier) Authenticate(r *http.Request) (Principal, error) {
	if v.Strict {
		return v.VerifyRequest(r)
	}
	anonymous := RootPrincipal(DefaultAccount)
	if !isSigned(r) {
		return anonymous, nil
	}
	sig, err := parseSignature(r)
	if err != nil {
		return anonymous, nil
	}
	anonymous.AccessKeyID = sig.accessKeyID
	cred, ok := v.Registry.Lookup(sig.accessKeyID)
	if !ok || cred.Principal.IsRoot() {
		return anonymous, nil
	}
	return v.verify(r, sig, cred, nil)
}

// VerifyRequest checks r's SigV4 signature, from its Authorization header
// or its presigned query, against the registered credentials, and returns
// who signed it. The body is read to hash it (up to MaxBody) and put back,
// so handlers read it as if untouched; a large body is spooled to a
// temporary file removed when the request ends or its body is closed.
// Failures are *Error.
func (v *Verifier) VerifyRequest(r *http.Request) (Principal, error) {
	return v.verifyWith(r, nil)
}

// VerifyRequestBody is VerifyRequest for a request whose body the caller
// has already read: body is hashed and r.Body is left alone.
func (v *Verifier) VerifyRequestBody(r *http.Request, body []byte) (Principal, error) {
	if body == nil {
		body = []byte{}
	}
	return v.verifyWith(r, body)
}

func (v *Verifier) verifyWith(r *http.Request, body []byte) (Principal, error) {
	sig, err := parseSignature(r)
	if err != nil {
		return Principal{}, err
	}
	cred, ok := v.Registry.Lookup(sig.accessKeyID)
	if !ok {
		return Principal{}, failf(InvalidClientToken, "The AWS Access Key Id you provided does not exist in our records. (The emulator knows test/test, the access keys of its IAM users (iam create-access-key) and the credentials it issued: sts assume-role, get-session-token, function sandboxes.)")
	}
	return v.verify(r, sig, cred, body)
}

// verify checks sig against cred; body is the already-read body, or nil
// to read r.Body.
func (v *Verifier) verify(r *http.Request, sig *signature, cred Credential, body []byte) (Principal, error) {
	now := v.now()
	if cred.Inactive {
		return Principal{}, failf(InvalidClientToken, MsgInvalidToken)
	}
	if cred.SessionToken != "" && subtle.ConstantTimeCompare([]byte(sig.securityToken), []byte(cred.SessionToken)) != 1 {
		return Principal{}, failf(InvalidClientToken, MsgInvalidToken)
	}
	if !cred.Expires.IsZero() && now.After(cred.Expires) {
		return Principal{}, failf(ExpiredToken, "The security token included in the request is expired")
	}
	if err := v.checkTime(sig, now); err != nil {
		return Principal{}, err
	}
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	if claimed == "" && sig.presigned {
		claimed = r.URL.Query().Get("X-Amz-Content-Sha256")
	}
	if strings.HasPrefix(claimed, "STREAMING-") {
		return Principal{}, failf(IncompleteSignature, "x-amz-content-sha256 %s (chunked signing) is not supported by the emulator; sign the whole payload", claimed)
	}
	payloads := []string{UnsignedPayload}
	if claimed != UnsignedPayload {
		computed, err := v.payloadHash(r, body)
		if err != nil {
			return Principal{}, err
		}
		if claimed != "" && claimed != computed {
			return Principal{}, failf(SignatureMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		payloads = []string{computed}
		if sig.presigned && claimed == "" {
			payloads = append(payloads, UnsignedPayload) // how S3-style presigners sign
		}
	}
	var canonical string
	key := v.keys.get(cred.SecretAccessKey, sig)
	for _, payload := range payloads {
		canonical = canonicalRequest(r, sig, payload)
		if matches(key, sig, canonical) {
			p := cred.Principal
			p.AccessKeyID, p.Verified = cred.AccessKeyID, true
			return p, nil
		}
	}
	return Principal{}, failf(SignatureMismatch, "%s\n\nThe Canonical String for this request should have been\n'%s'\n\nThe String-to-Sign should have been\n'%s'\n",
		MsgSignatureMismatch, canonical, stringToSign(sig, canonical))
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// checkTime rejects signatures made too long ago or in the future, and
// expired presigned URLs.
func (v *Verifier) checkTime(sig *signature, now time.Time) *Error {
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	format := func(t time.Time) string { return t.UTC().Format(amzDateLayout) }
	switch {
	case sig.signedAt.After(now.Add(skew)):
		return failf(RequestExpired, "Signature not yet current: %s is still later than %s (%s + %d min.)", sig.amzDate, format(now.Add(skew)), format(now), int(skew.Minutes()))
	case sig.presigned && now.After(sig.signedAt.Add(sig.expires)):
		return failf(RequestExpired, "Request has expired: signed at %s for %s", sig.amzDate, sig.expires)
	case !sig.presigned && sig.signedAt.Before(now.Add(-skew)):
		return failf(RequestExpired, "Signature expired: %s is now earlier than %s (%s - %d min.)", sig.amzDate, format(now.Add(-skew)), format(now), int(skew.Minutes()))
	}
	return nil
}

// payloadHash is the hex SHA-256 of the body: the given bytes, or r.Body,
// which is then replaced by a re-readable copy.
func (v *Verifier) payloadHash(r *http.Request, body []byte) (string, error) {
	if body != nil {
		sum := sha256.Sum256(body)
		return hex.EncodeToString(sum[:]), nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return EmptyPayloadHash, nil
	}
	max := v.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	if n := r.ContentLength; n >= 0 && n <= memoryBody {
		// The usual case, read at its known size in one buffer.
		buf := make([]byte, n)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return "", failf(IncompleteSignature, "could not read the request body to verify its signature: %v", err)
		}
		r.Body = memoryBodyOf(buf)
		sum := sha256.Sum256(buf)
		return hex.EncodeToString(sum[:]), nil
	}
	h := sha256.New()
	var mem bytes.Buffer
	n, err := io.Copy(io.MultiWriter(&mem, h), io.LimitReader(r.Body, memoryBody+1))
	if err != nil {
		return "", failf(IncompleteSignature, "could not read the request body to verify its signature: %v", err)
	}
	if n <= memoryBody {
		r.Body = memoryBodyOf(mem.Bytes())
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	spooled, err := spool(r, &mem, h, max)
	if err != nil {
		return "", err
	}
	r.Body = spooled
	return hex.EncodeToString(h.Sum(nil)), nil
}

// spool writes head and the rest of r.Body to a temporary file, hashing
// it, and returns the file rewound as the new body.
func spool(r *http.Request, head *bytes.Buffer, h hash.Hash, max int64) (io.ReadCloser, error) {
	f, err := os.CreateTemp("", "awsemu-body-*")
	if err != nil {
		return nil, fmt.Errorf("failed to spool the request body: %w", err)
	}
	body := &spooledBody{f: f}
	context.AfterFunc(r.Context(), func() { _ = body.Close() })
	written, err := head.WriteTo(f)
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(r.Body, max-written+1))
		written += rest
	}
	if err == nil && written > max {
		body.Close()
		return nil, failf(BodyTooLarge, "Request body exceeds %d bytes", max)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		body.Close()
		return nil, fmt.Errorf("failed to spool the request body: %w", err)
	}
	return body, nil
}

// Rewind puts a body the verifier read back at its start, so that one
// more reader (the authorizer, then the handler) sees all of it. It
// reports false for bodies the verifier did not read.
func Rewind(r *http.Request) bool {
	s, ok := r.Body.(io.Seeker)
	if !ok {
		return false
	}
	_, err := s.Seek(0, io.SeekStart)
	return err == nil
}

// memoryBodyReader is a verified body kept in memory, rewindable.
type memoryBodyReader struct{ *bytes.Reader }

func (memoryBodyReader) Close() error { return nil }

func memoryBodyOf(b []byte) io.ReadCloser { return memoryBodyReader{bytes.NewReader(b)} }

// spooledBody is a body in a temporary file, removed once closed.
type spooledBody struct {
	f    *os.File
	once sync.Once
	err  error
}

func (b *spooledBody) Read(p []byte) (int, error) {
	n, err := b.f.Read(p)
	if errors.Is(err, os.ErrClosed) {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *spooledBody) Seek(offset int64, whence int) (int64, error) {
	return b.f.Seek(offset, whence)
}

func (b *spooledBody) Close() error {
	b.once.Do(func() {
		b.err = errors.Join(b.f.Close(), os.Remove(b.f.Name()))
	})
	return b.err
}
