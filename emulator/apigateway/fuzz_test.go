package apigateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMatchPath checks that any request path either matches a resource with
// methods whose template fits the path, or nothing, without panicking.
func FuzzMatchPath(f *testing.F) {
	fx := newFixture(f)
	var routes *routeNode
	for _, d := range fx.s.st.APIs[fx.api].Deployments {
		routes = d.routes()
	}
	for _, seed := range []string{"/", "/pets", "/pets/1/toys", "/files/a/b", "//", "/pets//mine/", "/{id}", "/files/{proxy+}", "\x00/\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		m, ok := routes.matchPath(path)
		if !ok {
			return
		}
		if len(m.node.res.Methods) == 0 {
			t.Fatalf("%q matched %s, which has no methods", path, m.node.path)
		}
		segs := pathSegments(path)
		tmpl := pathSegments(m.node.path)
		greedy := len(tmpl) > 0 && isGreedy(tmpl[len(tmpl)-1])
		if len(segs) < len(tmpl) || (!greedy && len(segs) != len(tmpl)) {
			t.Fatalf("%q matched %s with the wrong number of segments", path, m.node.path)
		}
		for i, part := range tmpl {
			switch {
			case isGreedy(part):
				if got, want := m.params[variableName(part)], strings.Join(segs[i:], "/"); got != want {
					t.Fatalf("%q: %s = %q, want %q", path, part, got, want)
				}
			case isVariable(part):
				if got := m.params[variableName(part)]; got != segs[i] {
					t.Fatalf("%q: %s = %q, want %q", path, part, got, segs[i])
				}
			case part != segs[i]:
				t.Fatalf("%q matched %s but segment %d differs", path, m.node.path, i)
			}
		}
	})
}

// FuzzExecute sends arbitrary methods, paths, queries and bodies through the
// executor: no panic, and no 5xx but the documented 502 (bad function reply)
// and the 500 of the deliberately unsupported /http integration.
func FuzzExecute(f *testing.F) {
	fx := newFixture(f)
	for _, seed := range []struct {
		method, path, query string
		body                []byte
		reply               string
	}{
		{"GET", "/pets", "", nil, `{"statusCode":200}`},
		{"POST", "/files/a/b", "x=1&x=2", []byte{0xff, 0}, `{"statusCode":201,"body":"x"}`},
		{"PUT", "/pets/%2F/toys", "%zz", []byte("{}"), `not json`},
		{"DELETE", "/secret", "", nil, `{"statusCode":99}`},
		{"OPTIONS", "/mock", "", nil, `{"statusCode":200,"headers":{"bad key":"v\r\n"}}`},
	} {
		f.Add(seed.method, seed.path, seed.query, seed.body, seed.reply)
	}
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, reply string) {
		if !validMethod(method) {
			return
		}
		fx.inv.mu.Lock()
		fx.inv.output = []byte(reply)
		fx.inv.mu.Unlock()
		req, err := http.NewRequest(method, "http://localhost/prod", strings.NewReader(string(body)))
		if err != nil {
			return
		}
		req.URL.Path = "/prod" + path
		req.URL.RawQuery = url.PathEscape(query)
		rec := newRecorder()
		fx.s.ServeExecute(rec, req, fx.api, "prod", path)
		switch {
		case rec.code == http.StatusBadGateway:
		case rec.code == http.StatusInternalServerError && strings.HasPrefix(strings.TrimLeft(path, "/"), "http"):
		case rec.code >= 500 || rec.code < 200:
			t.Fatalf("%s %q: HTTP %d", method, path, rec.code)
		}
	})
}

func validMethod(m string) bool {
	if m == "" || !utf8.ValidString(m) {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// recorder is a minimal ResponseWriter that keeps only the status, so that
// fuzzing does not hold large bodies.
type recorder struct {
	header http.Header
	code   int
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
