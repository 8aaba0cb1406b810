package perimeter_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sigv4Verifier is a real SigV4 check for tests (the emulator's own lives
// in package auth): it signs the request again, with the SDK's signer and
// the secret of the access key it names, over the headers it signed, and
// compares the signatures.
type sigv4Verifier map[string]string // access key id → secret

type sigErr struct{ code, msg string }

func (e sigErr) Error() string   { return e.msg }
func (e sigErr) AWSCode() string { return e.code }

func (v sigv4Verifier) Verify(r *http.Request) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return sigErr{"MissingAuthenticationToken", "the request is not signed"}
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = val
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 {
		return sigErr{"IncompleteSignature", "malformed credential scope"}
	}
	secret, known := v[scope[0]]
	if !known {
		return sigErr{"InvalidClientTokenId", "The security token included in the request is invalid."}
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return sigErr{"IncompleteSignature", "missing or malformed X-Amz-Date"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("failed to read the body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)

	again := r.Clone(r.Context())
	again.Header = http.Header{}
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h != "host" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	creds := aws.Credentials{AccessKeyID: scope[0], SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, again, hex.EncodeToString(sum[:]), scope[3], scope[2], at); err != nil {
		return fmt.Errorf("failed to sign again: %w", err)
	}
	if !strings.HasSuffix(again.Header.Get("Authorization"), "Signature="+fields["Signature"]) {
		return sigErr{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."}
	}
	return nil
}
