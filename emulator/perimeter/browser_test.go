package perimeter_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// attackPage is a page of another origin that tries, the ways a web page
// can, to create a role on the emulator at ?emu=: a real form POST (into a
// hidden frame) and a no-cors fetch. Its title says when both are sent.
const attackPage = `<!doctype html>
<html><head><title>loading</title></head><body>
<iframe name="sink" id="sink"></iframe>
<form id="f" method="POST" target="sink" enctype="application/x-www-form-urlencoded">
  <input type="hidden" name="Action" value="CreateRole">
  <input type="hidden" name="Version" value="2010-05-08">
  <input type="hidden" name="RoleName" value="from-form">
  <input type="hidden" name="AssumeRolePolicyDocument" id="doc">
</form>
<script>
const emu = new URLSearchParams(location.search).get("emu");
const trust = %q;
document.getElementById("doc").value = trust;
const form = document.getElementById("f");
form.action = emu + "/";
const framed = new Promise(done => document.getElementById("sink").addEventListener("load", done, {once: true}));
form.submit();
const fetched = fetch(emu + "/", {method: "POST", mode: "no-cors",
  headers: {"Content-Type": "application/x-www-form-urlencoded"},
  body: new URLSearchParams({Action: "CreateRole", Version: "2010-05-08", RoleName: "from-fetch", AssumeRolePolicyDocument: trust})});
Promise.allSettled([framed, fetched]).then(() => { document.title = "sent"; });
</script></body></html>`

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("Chromium is not installed (apt-get install -y chromium): the browser proof is skipped; TestCrossOriginRequestsRefused covers the same through net/http")
	return ""
}

// TestBrowserOfAnotherOriginCannotCreateRoles: a real headless Chromium on
// a page of another origin cannot create roles on the emulator; the same
// page can once the user allows its origin, which shows the browser's
// requests do arrive and the perimeter is what refuses them.
func TestBrowserOfAnotherOriginCannotCreateRoles(t *testing.T) {
	exe := chromium(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, attackPage, trust)
	}))
	t.Cleanup(page.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses its sandbox as root
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)

	for _, tt := range []struct {
		name    string
		allowed bool
	}{{"refused", false}, {"allowed by the user", true}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := emulatortest.Start(t, func(c *emulator.Config) {
				if tt.allowed {
					c.Perimeter.ExtraCORSAllowedOrigins = []string{page.URL}
				}
			})
			tab, cancel := chromedp.NewContext(browser)
			defer cancel()
			ctx, cancelTimeout := context.WithTimeout(tab, 90*time.Second)
			defer cancelTimeout()
			if _, err := chromedp.Run(ctx, chromedp.Navigate(page.URL+"/?emu="+srv.URL())); err != nil {
				t.Fatalf("failed to open the page: %v", err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.title === "sent"`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
				t.Fatalf("the page did not send its requests: %v", err)
			}
			for _, role := range []string{"from-form", "from-fetch"} {
				if got := roleExists(t, srv.URL(), role); got != tt.allowed {
					t.Errorf("role %s exists = %v, want %v", role, got, tt.allowed)
				}
			}
		})
	}
}
