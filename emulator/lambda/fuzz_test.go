package lambda

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type anyRole struct{}

func (anyRole) RoleExists(string) bool { return true }

// seedZip is a package without bootstrap, so a fuzzed invoke of it reports
// Runtime.InvalidEntrypoint instead of needing a runtime.
func seedZip(f *testing.F) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("handler.txt")
	if err != nil {
		f.Fatal(err)
	}
	_, _ = w.Write([]byte("hello"))
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// FuzzRoute sends arbitrary methods, paths, headers and bodies through the
// router: every answer must be a 2xx or 4xx, never a panic or a 5xx.
func FuzzRoute(f *testing.F) {
	svc, err := New(Options{Roles: anyRole{}, WorkDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = svc.Close() })
	zipB64 := seedZip(f)
	create := `{"FunctionName":"seed","Runtime":"provided.al2023","Role":"arn:aws:iam::000000000000:role/r","Handler":"bootstrap","Code":{"ZipFile":"` + zipB64 + `"}}`
	seeds := []struct{ method, path, header, body string }{
		{"POST", "/2015-03-31/functions", "", create},
		{"GET", "/2015-03-31/functions/", "", ""},
		{"GET", "/2015-03-31/functions/seed", "", ""},
		{"GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aseed/configuration", "", ""},
		{"PUT", "/2015-03-31/functions/seed/configuration", "", `{"Timeout":5,"Environment":{"Variables":{"A":"b"}}}`},
		{"PUT", "/2015-03-31/functions/seed/code", "", `{"ZipFile":"` + zipB64 + `"}`},
		{"POST", "/2015-03-31/functions/seed/policy", "", `{"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"*"}`},
		{"DELETE", "/2015-03-31/functions/seed/policy/s", "", ""},
		{"POST", "/2015-03-31/functions/seed/invocations", "Event", `{"a":1}`},
		{"POST", "/2015-03-31/functions/seed/invocations", "RequestResponse", `{"a":1}`},
		{"POST", "/2015-03-31/functions/seed/invocations?Qualifier=%24LATEST", "DryRun", ``},
		{"POST", "/2015-03-31/functions/seed/versions", "", `{"Description":"v"}`},
		{"GET", "/2015-03-31/functions/seed/versions?MaxItems=1&Marker=1", "", ""},
		{"POST", "/2015-03-31/functions/seed/aliases", "", `{"Name":"live","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.5}}}`},
		{"PUT", "/2015-03-31/functions/seed/aliases/live", "", `{"FunctionVersion":"$LATEST","RoutingConfig":{}}`},
		{"GET", "/2015-03-31/functions/seed:live/configuration", "", ""},
		{"POST", "/2015-03-31/functions/seed/policy?Qualifier=live", "", `{"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"*"}`},
		{"POST", "/2015-03-31/functions/seed:1/invocations", "DryRun", `{}`},
		{"DELETE", "/2015-03-31/functions/seed?Qualifier=1", "", ""},
		{"DELETE", "/2015-03-31/functions/seed/aliases/live", "", ""},
		{"GET", "/2017-03-31/tags/arn:aws:lambda:us-east-1:000000000000:function:seed", "", ""},
		{"POST", "/2015-03-31/functions", "", `{"Code":{"ZipFile":"!!"}}`},
		{"GET", "/2015-03-31/functions/%zz", "", ""},
		{"DELETE", "/2015-03-31/functions/seed", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.header, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, path, invocationType string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://localhost:4566"+path, bytes.NewReader(body))
		if err != nil {
			return // not an HTTP request a client could send
		}
		req.Header.Set("X-Amz-Invocation-Type", invocationType)
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %s (%q): status %d: %s", method, path, body, rec.Code, rec.Body.String())
		}
	})
}
