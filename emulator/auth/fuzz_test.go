package auth_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/apidriven/api-driven/emulator/auth"
)

// FuzzAuthenticate holds the verifier to its promises for any header or
// query a caller can send: no panic, strict mode never lets an unverified
// caller through, and every failure is an *auth.Error.
func FuzzAuthenticate(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20240101T000000Z", "")
	f.Add("AWS4-HMAC-SHA256 Credential=test/2024/us-east-1/ec2/aws4_request,SignedHeaders=,Signature=", "", "")
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20240101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=zz&X-Amz-Expires=-1")
	f.Add("AWS test:abc", "", "a=%zz&&=")
	f.Fuzz(func(t *testing.T, authz, date, query string) {
		r := &http.Request{Method: http.MethodGet, Host: "localhost", URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}, Body: http.NoBody}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		reg := auth.NewRegistry()
		if p, err := (&auth.Verifier{Registry: reg}).Authenticate(r); err == nil && !p.IsRoot() {
			t.Fatalf("lenient mode made up a principal %+v", p)
		}
		p, err := (&auth.Verifier{Registry: reg, Strict: true}).Authenticate(r)
		var ae *auth.Error
		if err == nil && !p.Verified {
			t.Fatalf("strict mode let an unverified caller through: %+v", p)
		}
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("failure is not an *auth.Error: %v", err)
		}
	})
}
