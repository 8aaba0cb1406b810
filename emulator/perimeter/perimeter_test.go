package perimeter

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// reached answers 200 "reached" when the guard lets a request through.
var reached = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("reached")) })

func isStage(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/_aws/execute-api/") }

type req struct {
	method, host, path, body string
	header                   map[string]string
}

func (q req) build() *http.Request {
	method := q.method
	if method == "" {
		method = http.MethodPost
	}
	path := q.path
	if path == "" {
		path = "/"
	}
	r := httptest.NewRequest(method, path, strings.NewReader(q.body))
	r.Host = q.host
	if r.Host == "" {
		r.Host = "localhost:4566"
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	return r
}

const form = "application/x-www-form-urlencoded"

func TestControl(t *testing.T) {
	tests := []struct {
		name     string
		policy   Policy
		req      req
		status   int
		contains []string // in the body
		header   map[string]string
	}{
		// Host: local names pass, others are DNS rebinding.
		{name: "localhost", req: req{}, status: 200},
		{name: "127.0.0.1", req: req{host: "127.0.0.1:4566"}, status: 200},
		{name: "::1", req: req{host: "[::1]:4566"}, status: 200},
		{name: "0.0.0.0", req: req{host: "0.0.0.0:4566"}, status: 200},
		{name: "*.localhost", req: req{host: "api.localhost:4566"}, status: 200},
		{name: "localstack domain", req: req{host: "localhost.localstack.cloud:4566"}, status: 200},
		{name: "localstack subdomain", req: req{host: "s3.localhost.localstack.cloud:4566"}, status: 200},
		{name: "trailing dot", req: req{host: "LOCALHOST.:4566"}, status: 200},
		{name: "rebinding name", req: req{host: "evil.example:4566"}, status: 403,
			contains: []string{`Host \"evil.example:4566\" is not a local name`, "-extra-allowed-hosts evil.example", "AWSEMU_EXTRA_ALLOWED_HOSTS=evil.example", "AccessDenied"}},
		{name: "look-alike", req: req{host: "localhost.evil.example"}, status: 403},
		{name: "LAN address", req: req{host: "192.168.1.20:4566"}, status: 403},
		{name: "no Host", req: req{host: " "}, status: 403},
		{name: "extra host", policy: Policy{ExtraAllowedHosts: []string{"devbox.lan"}}, req: req{host: "devbox.lan:4566"}, status: 200},
		{name: "extra wildcard", policy: Policy{ExtraAllowedHosts: []string{"*.corp.example"}}, req: req{host: "a.corp.example"}, status: 200},
		{name: "extra wildcard is not the domain's sibling", policy: Policy{ExtraAllowedHosts: []string{"*.corp.example"}}, req: req{host: "evilcorp.example"}, status: 403},
		{name: "any host", policy: Policy{ExtraAllowedHosts: []string{"*"}}, req: req{host: "whatever"}, status: 200},
		{name: "codespace host", policy: Policy{Codespace: Codespace{"fluffy", "app.github.dev"}}, req: req{host: "fluffy-4566.app.github.dev"}, status: 200},
		{name: "codespace host of another port", policy: Policy{Codespace: Codespace{"fluffy", "app.github.dev"}}, req: req{host: "fluffy-8080.app.github.dev"}, status: 403},

		// Origin: the emulator's own pass, with CORS headers; others are refused.
		{name: "own origin", req: req{header: map[string]string{"Origin": "http://localhost:4566"}}, status: 200,
			header: map[string]string{"Access-Control-Allow-Origin": "http://localhost:4566", "Access-Control-Allow-Credentials": "true"}},
		{name: "own origin by another local name", req: req{header: map[string]string{"Origin": "http://127.0.0.1:4566"}}, status: 200},
		{name: "same origin", req: req{host: "api.localhost:4566", header: map[string]string{"Origin": "http://api.localhost:4566"}}, status: 200},
		{name: "form post from another site", req: req{body: "Action=CreateRole", header: map[string]string{"Origin": "http://evil.example", "Content-Type": form}}, status: 403,
			contains: []string{"<ErrorResponse>", "<Code>AccessDenied</Code>", `cross-origin request from &#34;http://evil.example&#34; refused`, "-extra-cors-allowed-origins", "AWSEMU_EXTRA_CORS_ALLOWED_ORIGINS"}},
		{name: "text/plain from another site", req: req{path: "/2015-03-31/functions", body: "{}", header: map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}}, status: 403,
			contains: []string{`"__type":"AccessDenied"`}},
		{name: "another local port", req: req{header: map[string]string{"Origin": "http://localhost:3000"}}, status: 403},
		{name: "null origin", req: req{header: map[string]string{"Origin": "null"}}, status: 403},
		{name: "rebound origin", req: req{host: "evil.example:4566", header: map[string]string{"Origin": "http://evil.example:4566"}}, status: 403},
		{name: "extra origin", policy: Policy{ExtraCORSAllowedOrigins: []string{"http://localhost:3000/"}}, req: req{header: map[string]string{"Origin": "http://localhost:3000"}}, status: 200,
			header: map[string]string{"Access-Control-Allow-Origin": "http://localhost:3000"}},
		{name: "codespace origin", policy: Policy{Codespace: Codespace{"fluffy", "app.github.dev"}},
			req: req{host: "fluffy-4566.app.github.dev", header: map[string]string{"Origin": "https://fluffy-4566.app.github.dev"}}, status: 200},
		{name: "codespace origin rewritten to localhost", policy: Policy{Codespace: Codespace{"fluffy", "app.github.dev"}},
			req: req{host: "fluffy-4566.app.github.dev", header: map[string]string{"Origin": "http://localhost:4566"}}, status: 200},
		{name: "preflight of an allowed origin", req: req{method: "OPTIONS", header: map[string]string{"Origin": "http://localhost:4566", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,x-amz-date"}},
			status: 204, header: map[string]string{"Access-Control-Allow-Headers": "authorization,x-amz-date", "Access-Control-Allow-Methods": corsAllowedMethods}},
		{name: "preflight of another origin", req: req{method: "OPTIONS", header: map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}}, status: 403},
		{name: "checks disabled", policy: Policy{DisableCORSChecks: true}, req: req{header: map[string]string{"Origin": "http://evil.example"}}, status: 200,
			header: map[string]string{"Access-Control-Allow-Origin": "*"}},
		{name: "checks disabled keep the Host check", policy: Policy{DisableCORSChecks: true}, req: req{host: "evil.example"}, status: 403},

		// No Origin: Sec-Fetch-Site and Referer tell another site.
		{name: "image GET of a Query action", req: req{method: "GET", path: "/?Action=CreateRole&RoleName=x", header: map[string]string{"Sec-Fetch-Site": "cross-site"}}, status: 403},
		{name: "same-site GET of a Query action", req: req{method: "GET", path: "/?Action=RunInstances", header: map[string]string{"Sec-Fetch-Site": "same-site"}}, status: 403},
		{name: "link to a page", req: req{method: "GET", path: "/_apidriven/", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}}, status: 200},
		{name: "typed URL", req: req{method: "GET", path: "/?Action=DescribeInstances", header: map[string]string{"Sec-Fetch-Site": "none"}}, status: 200},
		{name: "same origin without Origin", req: req{method: "GET", path: "/?Action=DescribeInstances", header: map[string]string{"Sec-Fetch-Site": "same-origin"}}, status: 200},
		{name: "old browser, foreign referer", req: req{body: "Action=CreateRole", header: map[string]string{"Referer": "http://evil.example/page", "Content-Type": form}}, status: 403},
		{name: "old browser, own referer", req: req{body: "Action=CreateRole", header: map[string]string{"Referer": "http://localhost:4566/_apidriven/", "Content-Type": form}}, status: 200},
		{name: "CLI", req: req{body: "Action=CreateRole", header: map[string]string{"Content-Type": form}}, status: 200},

		// Stage URLs answer anyone, unless the user asked otherwise.
		{name: "stage URL from anywhere", req: req{host: "evil.example", path: "/_aws/execute-api/abc/prod/start", header: map[string]string{"Origin": "http://evil.example"}}, status: 200},
		{name: "stage URL checked on request", policy: Policy{DisableCustomCORSAPIGateway: true},
			req: req{path: "/_aws/execute-api/abc/prod/start", header: map[string]string{"Origin": "http://evil.example"}}, status: 403},

		// Remote: any Host, a valid signature.
		{name: "remote without verifier", policy: Policy{Remote: true}, req: req{host: "10.0.0.5:4566"}, status: 403, contains: []string{"no signature verifier"}},
		{name: "remote, bad signature", policy: Policy{Remote: true, Verifier: VerifierFunc(func(*http.Request) error { return codeErr{"SignatureDoesNotMatch"} })},
			req: req{host: "10.0.0.5:4566"}, status: 403, contains: []string{`"__type":"SignatureDoesNotMatch"`, "-allow-remote"}},
		{name: "remote, good signature", policy: Policy{Remote: true, Verifier: VerifierFunc(func(*http.Request) error { return nil })}, req: req{host: "10.0.0.5:4566"}, status: 200},
		{name: "remote, unsigned health", policy: Policy{Remote: true}, req: req{method: "GET", host: "10.0.0.5:4566", path: "/_localstack/health"}, status: 200},
		{name: "remote, unsigned POST to health", policy: Policy{Remote: true}, req: req{host: "10.0.0.5:4566", path: "/_localstack/health"}, status: 403},
		{name: "remote keeps the origin check", policy: Policy{Remote: true, Verifier: VerifierFunc(func(*http.Request) error { return nil })},
			req: req{host: "10.0.0.5:4566", header: map[string]string{"Origin": "http://evil.example"}}, status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.policy.IsStageURL = isStage
			w := httptest.NewRecorder()
			Control(reached, tt.policy, "4566").ServeHTTP(w, tt.req.build())
			body := w.Body.String()
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, body)
			}
			if tt.status == 200 && body != "reached" {
				t.Fatalf("body %q: the request did not reach the handler", body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("body lacks %q:\n%s", c, body)
				}
			}
			for k, v := range tt.header {
				if got := w.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

type codeErr struct{ code string }

func (e codeErr) Error() string   { return "signature mismatch" }
func (e codeErr) AWSCode() string { return e.code }

func TestPublic(t *testing.T) {
	h := Public(reached, isStage)
	tests := []struct {
		method, host, path string
		status             int
	}{
		{"GET", "fluffy-4567.app.github.dev", "/_aws/execute-api/abc/prod/status", 200},
		{"POST", "anything", "/_aws/execute-api/abc/prod/start", 200},
		{"GET", "fluffy-4567.app.github.dev", "/_localstack/health", 200},
		{"POST", "localhost:4567", "/", 403},
		{"GET", "localhost:4567", "/?Action=CreateRole", 403},
		{"POST", "localhost:4567", "/2015-03-31/functions", 403},
		{"GET", "localhost:4567", "/restapis", 403},
		{"GET", "localhost:4567", "/_localstack/info", 403},
		{"GET", "localhost:4567", "/_apidriven/", 403},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		r.Host = tt.host
		r.Header.Set("Origin", "https://somewhere.example")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("%s %s: %d, want %d: %s", tt.method, tt.path, w.Code, tt.status, w.Body.String())
		}
		if tt.status == 403 && !strings.Contains(w.Body.String(), "only deployed APIs' stage URLs") {
			t.Errorf("%s %s: the refusal does not say why: %s", tt.method, tt.path, w.Body.String())
		}
	}
}

func TestCheckControlAddr(t *testing.T) {
	tests := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:4566", false, true},
		{"localhost:4566", false, true},
		{"[::1]:4566", false, true},
		{"127.0.0.1:0", false, true},
		{"0.0.0.0:4599", false, false},
		{":4566", false, false},
		{"[::]:4566", false, false},
		{"192.168.1.20:4566", false, false},
		{"devbox:4566", false, false},
		{"0.0.0.0:4599", true, true},
		{"nope", true, false},
	}
	for _, tt := range tests {
		err := CheckControlAddr(tt.addr, tt.remote)
		if (err == nil) != tt.ok {
			t.Errorf("CheckControlAddr(%q, %v) = %v, want ok=%v", tt.addr, tt.remote, err, tt.ok)
		}
		if err != nil && strings.Contains(tt.addr, ":") && tt.addr != "nope" {
			if !errors.Is(err, ErrRemoteNotAllowed) || !strings.Contains(err.Error(), "-allow-remote") || !strings.Contains(err.Error(), "AWSEMU_ALLOW_REMOTE=1") {
				t.Errorf("CheckControlAddr(%q): %v does not give the way out", tt.addr, err)
			}
		}
	}
}
