package backend_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/backend"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/backend/probe/probetest"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
)

var envKeys = []string{"APIDRIVEN_BACKEND", "AWS_ENDPOINT_URL", "APIDRIVEN_TRANSITION_DELAY", "APIDRIVEN_LAMBDA_ARCH",
	"APIDRIVEN_LOCALSTACK_INSTALL", "APIDRIVEN_UP_TIMEOUT", "AWS_REGION", "AWS_DEFAULT_REGION", "APIDRIVEN_TARGET"}

func setEnv(t *testing.T, kv map[string]string) {
	t.Helper()
	for _, k := range envKeys {
		t.Setenv(k, kv[k])
	}
}

func freeEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

func TestFromEnv(t *testing.T) {
	ours := probetest.Start(t, probetest.Options{Health: true, Version: "api-driven-emulator 0.1.0"})
	ls := probetest.Start(t, probetest.Options{Health: true, Version: "4.14.0"})
	moto := probetest.Start(t, probetest.Options{})
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) }))
	t.Cleanup(web.Close)
	free := freeEndpoint(t)

	tests := []struct {
		name     string
		env      map[string]string
		provider string // Name()
		kind     string // backend.Kind
		endpoint string
		platform build.Platform
		errPart  string
		fixPart  string
	}{
		{name: "default is auto on a free default port", env: map[string]string{"AWS_ENDPOINT_URL": free},
			provider: "embedded", kind: "embedded", endpoint: free, platform: build.Host()},
		{name: "auto uses a running LocalStack", env: map[string]string{"AWS_ENDPOINT_URL": ls.URL},
			provider: "external", kind: "localstack", endpoint: ls.URL, platform: build.Platform{GOOS: "linux", GOARCH: "arm64"}},
		{name: "auto uses another awsemu with host binaries", env: map[string]string{"AWS_ENDPOINT_URL": ours.URL},
			provider: "external", kind: "embedded", endpoint: ours.URL, platform: build.Host()},
		{name: "auto uses moto", env: map[string]string{"AWS_ENDPOINT_URL": moto.URL, "APIDRIVEN_LAMBDA_ARCH": "x86_64"},
			provider: "external", kind: "other", endpoint: moto.URL, platform: build.Platform{GOOS: "linux", GOARCH: "amd64"}},
		{name: "auto refuses a busy port", env: map[string]string{"AWS_ENDPOINT_URL": web.URL},
			errPart: "not an AWS endpoint", fixPart: "lsof"},
		{name: "explicit embedded", env: map[string]string{"APIDRIVEN_BACKEND": "embedded"},
			provider: "embedded", kind: "embedded", endpoint: probe.DefaultEndpoint, platform: build.Host()},
		{name: "explicit localstack", env: map[string]string{"APIDRIVEN_BACKEND": "LocalStack", "APIDRIVEN_LAMBDA_ARCH": "x86_64"},
			provider: "localstack", kind: "localstack", endpoint: probe.DefaultEndpoint, platform: build.Platform{GOOS: "linux", GOARCH: "amd64"}},
		{name: "explicit aws", env: map[string]string{"APIDRIVEN_BACKEND": "aws", "APIDRIVEN_LAMBDA_ARCH": "arm64"},
			provider: "aws", kind: "aws", endpoint: "", platform: build.Platform{GOOS: "linux", GOARCH: "arm64"}},
		{name: "aws with an endpoint", env: map[string]string{"APIDRIVEN_BACKEND": "aws", "AWS_ENDPOINT_URL": free},
			errPart: "AWS_ENDPOINT_URL is set", fixPart: "unset AWS_ENDPOINT_URL"},
		{name: "unknown backend", env: map[string]string{"APIDRIVEN_BACKEND": "gcp"},
			errPart: `unknown APIDRIVEN_BACKEND "gcp"`, fixPart: "auto, embedded, localstack, aws"},
		{name: "bad transition delay", env: map[string]string{"APIDRIVEN_TRANSITION_DELAY": "soon"},
			errPart: "APIDRIVEN_TRANSITION_DELAY", fixPart: "500ms"},
		{name: "bad lambda arch", env: map[string]string{"APIDRIVEN_LAMBDA_ARCH": "sparc"},
			errPart: "APIDRIVEN_LAMBDA_ARCH", fixPart: "x86_64 or arm64"},
		{name: "bad endpoint", env: map[string]string{"AWS_ENDPOINT_URL": "localhost:4566"},
			errPart: "invalid endpoint URL", fixPart: "http://localhost:4566"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			if tt.env["APIDRIVEN_LAMBDA_ARCH"] == "" && tt.platform.GOOS == "linux" {
				t.Setenv("APIDRIVEN_LAMBDA_ARCH", tt.platform.LambdaArch())
			}
			p, err := backend.FromEnv(context.Background(), t.TempDir(), status.Discard())
			if tt.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) || !strings.Contains(status.FixOf(err), tt.fixPart) {
					t.Fatalf("err %v (fix %q), want %q / %q", err, status.FixOf(err), tt.errPart, tt.fixPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != tt.provider || backend.Kind(p) != tt.kind || p.Endpoint() != tt.endpoint || p.BuildPlatform() != tt.platform {
				t.Fatalf("got %s/%s at %q for %s", p.Name(), backend.Kind(p), p.Endpoint(), p.BuildPlatform())
			}
		})
	}
}

// An endpoint somebody else runs is used and never stopped.
func TestExternalIsNeverStopped(t *testing.T) {
	ls := probetest.Start(t, probetest.Options{Health: true, Version: "4.14.0"})
	setEnv(t, map[string]string{"AWS_ENDPOINT_URL": ls.URL})
	ctx := context.Background()
	var out strings.Builder
	p, err := backend.FromEnv(ctx, t.TempDir(), status.New(&out))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Started() {
		t.Fatal("an external endpoint reported as started by us")
	}
	if err := p.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if f, err := probe.Classify(ctx, ls.URL, "us-east-1"); err != nil || f.Kind != probe.AWS {
		t.Fatalf("external endpoint gone after Down: %+v %v", f, err)
	}
	if !strings.Contains(out.String(), "using it as it is") || !strings.Contains(out.String(), "leaving it running") {
		t.Fatalf("output:\n%s", out.String())
	}
}
