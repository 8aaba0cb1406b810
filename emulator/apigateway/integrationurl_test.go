package apigateway

import (
	"net/url"
	"testing"
)

// TestIntegrationURLKeepsThePrefix: a caller fills {proxy+} and {name}
// with anything, and the URL keeps the integration's scheme, host and
// path prefix: dot segments are escaped, never resolved.
func TestIntegrationURLKeepsThePrefix(t *testing.T) {
	for _, tt := range []struct{ uri, value, want string }{
		{"http://backend:8080/api/{proxy}", "pets/7", "http://backend:8080/api/pets/7"},
		{"http://backend:8080/api/{proxy}", "../../admin", "http://backend:8080/api/%2E%2E/%2E%2E/admin"},
		{"http://backend:8080/api/{proxy}", "./x/.", "http://backend:8080/api/%2E/x/%2E"},
		{"http://backend:8080/api/{proxy}", "a..b/..c", "http://backend:8080/api/a..b/..c"},
		{"http://backend:8080/api/{proxy}", "x?y#z", "http://backend:8080/api/x%3Fy%23z"},
	} {
		got, err := integrationURL(tt.uri, map[string]string{"proxy": tt.value}, url.Values{})
		if err != nil || got != tt.want {
			t.Errorf("integrationURL(%q, proxy=%q) = %q, %v; want %q", tt.uri, tt.value, got, err, tt.want)
		}
	}
}
