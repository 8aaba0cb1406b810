package probe_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/backend/probe/probetest"
	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/internal/status"
)

func freeEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestClassify(t *testing.T) {
	ctx := context.Background()
	emu := probetest.Start(t, probetest.Options{Health: true, Version: "api-driven-emulator 0.1.0"})
	localstack := probetest.Start(t, probetest.Options{Health: true, Version: "4.14.0"})
	moto := probetest.Start(t, probetest.Options{})
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>hello</html>", http.StatusNotFound)
	}))
	t.Cleanup(web.Close)

	tests := []struct {
		name     string
		endpoint string
		kind     probe.Kind
		ours     bool
	}{
		{"free port", freeEndpoint(t), probe.Nothing, false},
		{"web server", web.URL, probe.NonAWS, false},
		{"our emulator", emu.URL, probe.AWS, true},
		{"localstack", localstack.URL, probe.AWS, false},
		{"moto", moto.URL, probe.AWS, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probe.Classify(ctx, tt.endpoint, "us-east-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.kind || got.Info.Ours != tt.ours {
				t.Fatalf("Classify = %+v, want kind %v ours %v", got, tt.kind, tt.ours)
			}
			if tt.kind == probe.NonAWS && got.Err == nil {
				t.Fatal("NonAWS without a reason")
			}
			if tt.kind == probe.AWS && !strings.Contains(got.Caller, "arn:aws:") {
				t.Fatalf("AWS endpoint without health or caller: %+v", got)
			}
		})
	}
}

// An emulator that refuses the region is reported as such, not as a
// program that is not an AWS endpoint.
func TestClassifyRegionTypo(t *testing.T) {
	srv := emulatortest.Start(t)
	_, err := probe.Classify(context.Background(), srv.URL(), "us-east1")
	if err == nil || !strings.Contains(err.Error(), `refuses region "us-east1"`) || !strings.Contains(err.Error(), "Did you mean us-east-1?") {
		t.Fatalf("Classify with region us-east1 = %v", err)
	}
	if fix := status.FixOf(err); !strings.Contains(fix, "AWS_REGION=us-east-1") {
		t.Fatalf("fix = %q", fix)
	}
}

func TestPortBusyNamesPortAndFix(t *testing.T) {
	err := probe.PortBusy("http://localhost:4566", errors.New("not XML"))
	if !strings.Contains(err.Error(), "port 4566") || !strings.Contains(status.FixOf(err), "lsof -iTCP:4566") {
		t.Fatalf("err %q fix %q", err, status.FixOf(err))
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:4566":  "localhost:4566",
		"https://example.com":    "example.com:443",
		"http://[::1]:4567/path": "::1:4567",
	} {
		h, p, err := probe.HostPort(in)
		if err != nil || h+":"+p != want {
			t.Errorf("HostPort(%q) = %q, %q, %v; want %s", in, h, p, err, want)
		}
	}
	for _, bad := range []string{"localhost:4566", "ftp://x", ""} {
		if _, _, err := probe.HostPort(bad); err == nil || status.FixOf(err) == "" {
			t.Errorf("HostPort(%q) should fail with a fix, got %v", bad, err)
		}
	}
}

func TestWait(t *testing.T) {
	ctx := context.Background()
	calls := 0
	err := probe.Wait(ctx, status.Discard(), "thing", time.Minute, func(context.Context) error {
		calls++
		if calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls", err, calls)
	}

	permanent := errors.New("broken")
	calls = 0
	err = probe.Wait(ctx, status.Discard(), "thing", time.Minute, func(context.Context) error {
		calls++
		return probe.Permanent(permanent)
	})
	if !errors.Is(err, permanent) || calls != 1 {
		t.Fatalf("permanent error retried: %v after %d calls", err, calls)
	}

	err = probe.Wait(ctx, status.Discard(), "thing", 300*time.Millisecond, func(context.Context) error {
		return errors.New("still starting")
	})
	if err == nil || !strings.Contains(err.Error(), "thing not ready after 300ms: still starting") {
		t.Fatalf("deadline error = %v", err)
	}
}

// TestHealthReportsIAMMode: our emulator's /_localstack/info says which
// IAM mode it runs in, so that up can tell whether to restart it.
func TestHealthReportsIAMMode(t *testing.T) {
	for _, want := range []probe.IAMMode{{}, {Enforce: true}, {Soft: true}} {
		srv := emulatortest.Start(t, func(c *emulator.Config) { c.EnforceIAM, c.IAMSoftMode = want.Enforce, want.Soft })
		info, err := probe.Health(context.Background(), srv.URL())
		if err != nil || !info.Ours || info.IAM != want {
			t.Errorf("started in IAM mode %s, the emulator reports %+v (%v)", want, info, err)
		}
	}
}
