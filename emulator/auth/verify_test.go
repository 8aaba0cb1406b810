package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/apidriven/api-driven/emulator/auth"
)

// verdict is what the test server saw: who signed, or why not, and the
// body the handler could still read after verification.
type verdict struct {
	principal auth.Principal
	err       error
	body      []byte
}

// verifyServer serves verify on every request and reports each verdict.
func verifyServer(t *testing.T, verify func(*http.Request) (auth.Principal, error)) (*httptest.Server, <-chan verdict) {
	t.Helper()
	verdicts := make(chan verdict, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := verify(r)
		body, _ := io.ReadAll(r.Body)
		verdicts <- verdict{p, err, body}
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, verdicts
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func send(t *testing.T, req *http.Request) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	resp.Body.Close()
}

func TestVerifyRequestAgainstSDKSigner(t *testing.T) {
	spoolDir := t.TempDir()
	t.Setenv("TMPDIR", spoolDir) // where large bodies are spooled
	reg := auth.NewRegistry()
	role := "arn:aws:iam::000000000000:role/fn-role"
	sess, err := reg.IssueRoleSession(role, "AROAEXAMPLE", "fn", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewVerifier(reg)
	srv, verdicts := verifyServer(t, v.VerifyRequest)
	good := aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken}
	root := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	big := bytes.Repeat([]byte("0123456789abcdef"), 200_000) // 3.2 MB: spooled to a file
	now := time.Now()

	tests := []struct {
		name     string
		method   string
		path     string // escaped, with query
		body     []byte
		creds    aws.Credentials
		service  string
		payload  string // "" = hash of body
		at       time.Time
		presign  bool
		mutate   func(*http.Request)
		wantARN  string
		wantFail auth.Reason
	}{
		{name: "query-protocol POST", method: "POST", path: "/", body: []byte("Action=StopInstances&InstanceId.1=i-0123456789abcdef0&Version=2016-11-15"), creds: good, service: "ec2", wantARN: "arn:aws:sts::000000000000:assumed-role/fn-role/fn"},
		{name: "root test/test", method: "POST", path: "/", body: []byte("Action=GetCallerIdentity&Version=2011-06-15"), creds: root, service: "sts", wantARN: "arn:aws:iam::000000000000:root"},
		{name: "escaped ARN in path and odd query", method: "GET", path: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn/configuration?Qualifier=%24LATEST&b=a%2Fb&a=x%20y&a=1&empty=", creds: good, service: "lambda", wantARN: "arn:aws:sts::000000000000:assumed-role/fn-role/fn"},
		{name: "unsigned payload", method: "PUT", path: "/x", body: []byte("not hashed"), creds: good, service: "lambda", payload: auth.UnsignedPayload, mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", auth.UnsignedPayload) }, wantARN: "arn:aws:sts::000000000000:assumed-role/fn-role/fn"},
		{name: "large body is spooled and still readable", method: "POST", path: "/2015-03-31/functions", body: big, creds: good, service: "lambda", wantARN: "arn:aws:sts::000000000000:assumed-role/fn-role/fn"},
		{name: "presigned GET", method: "GET", path: "/?Action=GetCallerIdentity&Version=2011-06-15", creds: good, service: "sts", presign: true, wantARN: "arn:aws:sts::000000000000:assumed-role/fn-role/fn"},
		{name: "presigned with UNSIGNED-PAYLOAD", method: "GET", path: "/restapis/abc", creds: good, service: "apigateway", presign: true, payload: auth.UnsignedPayload, wantARN: "arn:aws:sts::000000000000:assumed-role/fn-role/fn"},

		{name: "wrong secret", method: "POST", path: "/", body: []byte("Action=X"), creds: aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: "wrong", SessionToken: sess.SessionToken}, service: "ec2", wantFail: auth.SignatureMismatch},
		{name: "wrong session token", method: "POST", path: "/", body: []byte("Action=X"), creds: aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: "forged"}, service: "ec2", wantFail: auth.InvalidClientToken},
		{name: "unknown key", method: "POST", path: "/", body: []byte("Action=X"), creds: aws.Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}, service: "ec2", wantFail: auth.InvalidClientToken},
		{name: "body changed after signing", method: "POST", path: "/", body: []byte("Action=DescribeInstances"), creds: good, service: "ec2", payload: sha([]byte("Action=DescribeInstances")), mutate: func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader("Action=TerminateInstance"))
		}, wantFail: auth.SignatureMismatch},
		{name: "claimed payload hash is a lie", method: "POST", path: "/", body: []byte("Action=A"), creds: good, service: "ec2", payload: sha([]byte("Action=B")), mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", sha([]byte("Action=B"))) }, wantFail: auth.SignatureMismatch},
		{name: "path changed after signing", method: "GET", path: "/restapis/a", creds: good, service: "apigateway", mutate: func(r *http.Request) { r.URL.Path = "/restapis/b" }, wantFail: auth.SignatureMismatch},
		{name: "signed 20 minutes ago", method: "GET", path: "/", creds: good, service: "sts", at: now.Add(-20 * time.Minute), wantFail: auth.RequestExpired},
		{name: "signed 20 minutes ahead", method: "GET", path: "/", creds: good, service: "sts", at: now.Add(20 * time.Minute), wantFail: auth.RequestExpired},
		{name: "presigned URL expired", method: "GET", path: "/?X-Amz-Expires=60", creds: good, service: "sts", presign: true, at: now.Add(-2 * time.Minute), wantFail: auth.RequestExpired},
		{name: "unsigned", method: "GET", path: "/", service: "", wantFail: auth.MissingAuthentication},
		{name: "SigV2-style header", method: "GET", path: "/", mutate: func(r *http.Request) { r.Header.Set("Authorization", "AWS test:c2lnbmF0dXJl") }, wantFail: auth.IncompleteSignature},
		{name: "Host left out of the signed headers", method: "GET", path: "/", creds: good, service: "sts", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", regexp.MustCompile(`SignedHeaders=[^,]*`).ReplaceAllString(r.Header.Get("Authorization"), "SignedHeaders=x-amz-date"))
		}, wantFail: auth.IncompleteSignature},
		{name: "a second Credential after the signed one", method: "GET", path: "/", creds: good, service: "sts", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", Credential=x/20260101/eu-west-1/iam/aws4_request")
		}, wantFail: auth.IncompleteSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body == nil {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			payload := tc.payload
			if payload == "" {
				payload = sha(tc.body)
			}
			at := tc.at
			if at.IsZero() {
				at = now
			}
			ctx := context.Background()
			signer := v4.NewSigner() // its key cache ignores the secret: one per case
			switch {
			case tc.service == "":
			case tc.presign:
				signed, headers, err := signer.PresignHTTP(ctx, tc.creds, req, payload, tc.service, "us-east-1", at)
				if err != nil {
					t.Fatal(err)
				}
				if req, err = http.NewRequest(tc.method, signed, nil); err != nil {
					t.Fatal(err)
				}
				req.Header = headers
			default:
				if err := signer.SignHTTP(ctx, tc.creds, req, payload, tc.service, "us-east-1", at); err != nil {
					t.Fatal(err)
				}
			}
			if tc.mutate != nil {
				tc.mutate(req)
			}
			send(t, req)
			got := <-verdicts
			if tc.wantFail != 0 {
				var ae *auth.Error
				if !errors.As(got.err, &ae) || ae.Reason != tc.wantFail {
					t.Fatalf("verification gave %v (%+v), want reason %d", got.err, got.principal, tc.wantFail)
				}
				return
			}
			if got.err != nil {
				t.Fatalf("verification failed: %v", got.err)
			}
			if got.principal.ARN != tc.wantARN || !got.principal.Verified || got.principal.AccessKeyID != tc.creds.AccessKeyID {
				t.Fatalf("principal %+v, want %s verified with %s", got.principal, tc.wantARN, tc.creds.AccessKeyID)
			}
			if !bytes.Equal(got.body, tc.body) {
				t.Fatalf("handler read %d bytes after verification, want the %d sent", len(got.body), len(tc.body))
			}
		})
	}
	srv.Close() // waits for the handlers: their requests have ended
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, _ := os.ReadDir(spoolDir)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spooled bodies left behind: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAuthenticateModes(t *testing.T) {
	reg := auth.NewRegistry()
	sess, err := reg.IssueRoleSession("arn:aws:iam::000000000000:role/r", "AROAEXAMPLE", "s", time.Hour, &auth.Sandbox{ID: "sb-1"})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(r *http.Request, c aws.Credentials) {
		if err := v4.NewSigner().SignHTTP(context.Background(), c, r, auth.EmptyPayloadHash, "ec2", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name       string
		strict     bool
		creds      *aws.Credentials
		wantRoot   bool
		wantReason auth.Reason
	}{
		{name: "lenient unsigned is root", wantRoot: true},
		{name: "lenient unknown key is root", creds: &aws.Credentials{AccessKeyID: "anything", SecretAccessKey: "x"}, wantRoot: true},
		{name: "lenient test with any secret is root", creds: &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "not-test"}, wantRoot: true},
		{name: "lenient sandbox key is verified", creds: &aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken}},
		{name: "lenient sandbox key with a bad secret fails", creds: &aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: "bad", SessionToken: sess.SessionToken}, wantReason: auth.SignatureMismatch},
		{name: "strict unsigned fails", strict: true, wantReason: auth.MissingAuthentication},
		{name: "strict unknown key fails", strict: true, creds: &aws.Credentials{AccessKeyID: "anything", SecretAccessKey: "x"}, wantReason: auth.InvalidClientToken},
		{name: "strict test with a bad secret fails", strict: true, creds: &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "not-test"}, wantReason: auth.SignatureMismatch},
		{name: "strict test/test is root", strict: true, creds: &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, wantRoot: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := &auth.Verifier{Registry: reg, Strict: tc.strict}
			r := httptest.NewRequest(http.MethodPost, "http://localhost:4566/", http.NoBody)
			if tc.creds != nil {
				sign(r, *tc.creds)
			}
			p, err := v.Authenticate(r)
			if tc.wantReason != 0 {
				var ae *auth.Error
				if !errors.As(err, &ae) || ae.Reason != tc.wantReason {
					t.Fatalf("got %+v, %v; want reason %d", p, err, tc.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.IsRoot() != tc.wantRoot {
				t.Fatalf("principal %+v, root=%v wanted", p, tc.wantRoot)
			}
			if !tc.wantRoot && (p.Sandbox == nil || p.Sandbox.ID != "sb-1" || !p.Verified) {
				t.Fatalf("sandbox principal lost its link: %+v", p)
			}
		})
	}
}

func TestRegistryRevokeAndExpiry(t *testing.T) {
	reg := auth.NewRegistry()
	c, err := reg.IssueRoleSession("arn:aws:iam::000000000000:role/path/r", "AROAEXAMPLE", "s", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || len(c.AccessKeyID) != 20 || len(c.SecretAccessKey) != 40 || c.SessionToken == "" {
		t.Fatalf("credentials not shaped like AWS's: %+v", c)
	}
	if c.Principal.ARN != "arn:aws:sts::000000000000:assumed-role/r/s" || c.Principal.UserID != "AROAEXAMPLE:s" {
		t.Fatalf("principal %+v", c.Principal)
	}
	if err := reg.Register(c); err == nil {
		t.Fatal("registering the same key twice succeeded")
	}
	reg.Revoke(c.AccessKeyID)
	if _, ok := reg.Lookup(c.AccessKeyID); ok {
		t.Fatal("revoked key still known")
	}

	expired, err := reg.IssueRoleSession("arn:aws:iam::000000000000:role/r", "AROAEXAMPLE", "old", -time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "http://localhost/", http.NoBody)
	creds := aws.Credentials{AccessKeyID: expired.AccessKeyID, SecretAccessKey: expired.SecretAccessKey, SessionToken: expired.SessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, auth.EmptyPayloadHash, "sts", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	var ae *auth.Error
	if _, err := auth.NewVerifier(reg).VerifyRequest(r); !errors.As(err, &ae) || ae.Reason != auth.ExpiredToken {
		t.Fatalf("expired credentials gave %v", err)
	}
	// Expired credentials do not pile up: they are dropped as others come.
	for i := 0; i < 300; i++ {
		if _, err := reg.IssueRoleSession("arn:aws:iam::000000000000:role/r", "AROAEXAMPLE", "s", time.Hour, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := reg.Lookup(expired.AccessKeyID); ok {
		t.Fatal("expired credentials were never dropped")
	}
}

func TestVerifyRequestBodyLeavesBodyAlone(t *testing.T) {
	body := []byte(`{"hello":"world"}`)
	r := httptest.NewRequest(http.MethodPost, "http://abc.execute-api.localhost.localstack.cloud:4566/prod/start?x=1", bytes.NewReader(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, r, sha(body), "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	read, _ := io.ReadAll(r.Body)
	p, err := auth.NewVerifier(auth.NewRegistry()).VerifyRequestBody(r, read)
	if err != nil || !p.IsRoot() {
		t.Fatalf("VerifyRequestBody = %+v, %v", p, err)
	}
	r.URL.RawQuery = url.Values{"x": {"2"}}.Encode()
	if _, err := auth.NewVerifier(auth.NewRegistry()).VerifyRequestBody(r, read); err == nil {
		t.Fatal("a changed query still verified")
	}
}
