package console_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/console"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/perimeter"
)

// TestConsoleIsControlPlane: the console and the trace endpoints answer on
// the control port, also through a Codespace's forwarded (private) host,
// and never on the public stage-URL port nor for another site's page.
func TestConsoleIsControlPlane(t *testing.T) {
	cs := perimeter.Codespace{Name: "fluffy-space", Domain: "app.github.dev"}
	srv := emulatortest.Start(t, func(c *emulator.Config) {
		c.PublicAddr = "127.0.0.1:0"
		c.Perimeter.Codespace = cs
	})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "http://"))
	forwarded := cs.Host(port)
	for _, tt := range []struct {
		name, base, host, origin, site string
		want                           int
	}{
		{"local", srv.URL(), "", "", "", 200},
		{"Codespace's forwarded private port", srv.URL(), forwarded, "", "same-origin", 200},
		{"same-origin fetch from the forwarded page", srv.URL(), forwarded, "https://" + forwarded, "same-origin", 200},
		{"another site's page", srv.URL(), "", "https://evil.example", "cross-site", 403},
		{"a rebound DNS name", srv.URL(), "evil.example", "", "", 403},
		{"the public port", srv.PublicURL(), "", "", "", 403},
	} {
		for _, path := range []string{console.Prefix, console.Prefix + "traces", console.Prefix + "resources"} {
			req, err := http.NewRequestWithContext(emulatortest.Context(t), "GET", tt.base+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.site != "" {
				req.Header.Set("Sec-Fetch-Site", tt.site)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s: GET %s = %d, want %d", tt.name, path, resp.StatusCode, tt.want)
			}
		}
	}
}
