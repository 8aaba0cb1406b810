// Package probetest serves a minimal AWS-compatible endpoint for tests of
// the backend selection: STS GetCallerIdentity and, optionally, the
// LocalStack health and info routes.
package probetest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Options shape the fake.
type Options struct {
	Health  bool   // serve /_localstack/health and /_localstack/info
	Version string // info version; "api-driven-emulator 0.1.0" looks like ours
}

// Start serves the fake until the test ends.
func Start(t testing.TB, o Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case o.Health && r.URL.Path == "/_localstack/health":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"services":{"sts":"running"},"version":%q}`, o.Version)
		case o.Health && r.URL.Path == "/_localstack/info":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"version":%q}`, o.Version)
		case r.Method == http.MethodPost && r.URL.Path == "/":
			if err := r.ParseForm(); err != nil || r.PostForm.Get("Action") != "GetCallerIdentity" {
				http.Error(w, "unsupported", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, strings.TrimSpace(`
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::000000000000:root</Arn>
    <UserId>000000000000</UserId>
    <Account>000000000000</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
