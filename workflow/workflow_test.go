package workflow

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/internal/sticky"
	"github.com/apidriven/api-driven/provision"
)

func project(t *testing.T) (*Project, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	return &Project{Root: t.TempDir(), Out: &out, Status: status.New(&out)}, &out
}

var sample = &provision.Outputs{
	Backend: "embedded", Endpoint: "http://localhost:4566", Region: "us-east-1", InstanceID: "i-0123456789abcdef0",
	FunctionName: "apidriven-ec2", RestAPIID: "abc123", Stage: "prod",
	URLs: provision.URLs{
		Start:  "http://localhost:4566/_aws/execute-api/abc123/prod/start",
		Stop:   "http://localhost:4566/_aws/execute-api/abc123/prod/stop",
		Status: "http://localhost:4566/_aws/execute-api/abc123/prod/status",
	},
	DataPlaneEndpoint: "http://localhost:4567",
	DataPlaneURLs: provision.URLs{
		Start:  "http://localhost:4567/_aws/execute-api/abc123/prod/start",
		Stop:   "http://localhost:4567/_aws/execute-api/abc123/prod/stop",
		Status: "http://localhost:4567/_aws/execute-api/abc123/prod/status",
	},
}

func noCodespace(t *testing.T) {
	t.Setenv("CODESPACE_NAME", "")
	t.Setenv("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
}

func inCodespace(t *testing.T) {
	t.Setenv("CODESPACE_NAME", "fluffy-space-abc")
	t.Setenv("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN", "app.github.dev")
	t.Setenv("AWS_ENDPOINT_URL", "")
}

// fakeGH puts a `gh` on PATH that records its arguments and exits code.
func fakeGH(t *testing.T, code string) string {
	t.Helper()
	dir := t.TempDir()
	record := filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$@\" > " + record + "\necho 'HTTP 403: must have admin rights' >&2\nexit " + code + "\n"
	if err := os.WriteFile(filepath.Join(dir, "gh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return record
}

func TestOutputsRoundTrip(t *testing.T) {
	noCodespace(t)
	p, out := project(t)
	if _, err := p.ReadOutputs(); err == nil || !strings.Contains(status.FixOf(err), "go tool mage all") {
		t.Fatalf("missing outputs: %v (fix %q)", err, status.FixOf(err))
	}
	if err := p.writeOutputs(sample); err != nil {
		t.Fatal(err)
	}
	got, err := p.ReadOutputs()
	if err != nil || *got != *sample {
		t.Fatalf("ReadOutputs = %+v, %v", got, err)
	}
	if err := p.Outputs(); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"backend": "embedded"`, `"instanceId": "i-0123456789abcdef0"`, `"restApiId": "abc123"`, `"status": "http://localhost:4566/_aws/execute-api/abc123/prod/status"`,
		`"dataPlaneEndpoint": "http://localhost:4567"`, `"status": "http://localhost:4567/_aws/execute-api/abc123/prod/status"`} {
		if !strings.Contains(out.String(), key) {
			t.Errorf("outputs.json lacks %s:\n%s", key, out.String())
		}
	}
	entries, _ := os.ReadDir(p.StateDir())
	if len(entries) != 1 {
		t.Errorf("temporary files left next to outputs.json: %v", entries)
	}
	if err := os.WriteFile(p.OutputsFile(), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadOutputs(); err == nil || !strings.Contains(status.FixOf(err), "mage deploy") {
		t.Fatalf("corrupt outputs: %v", err)
	}
}

// consoleForwarded is the console's line in a Codespace: the AWS APIs'
// port, forwarded privately.
const consoleForwarded = "console https://fluffy-space-abc-4566.app.github.dev/_apidriven/ (private to you: it is on the AWS APIs' port, which `public` never publishes)"

// TestPrintURLsInCodespace: `all` prints the local URLs and their
// forwarded form on the public data-plane port, never on the AWS APIs'.
func TestPrintURLsInCodespace(t *testing.T) {
	inCodespace(t)
	p, out := project(t)
	p.printURLs(sample)
	for _, want := range []string{
		"status  http://localhost:4566/_aws/execute-api/abc123/prod/status",
		"In this Codespace, from your browser (port 4567, which serves these stage URLs only)",
		"start   https://fluffy-space-abc-4567.app.github.dev/_aws/execute-api/abc123/prod/start",
		"run `go tool mage public`",
		"it publishes port 4567 only; the AWS APIs (port 4566) stay private.",
		"console http://localhost:4566/_apidriven/ (each request traced; in the terminal: go tool mage trace)",
		consoleForwarded,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Only the console, private to the user, is offered on the AWS APIs' port.
	if strings.Contains(strings.ReplaceAll(out.String(), consoleForwarded, ""), "-4566.app.github.dev") {
		t.Errorf("the AWS APIs' forwarded port is offered:\n%s", out.String())
	}

	ls := *sample
	ls.Backend, ls.DataPlaneEndpoint, ls.DataPlaneURLs = provision.BackendLocalStack, "", provision.URLs{}
	out.Reset()
	p.printURLs(&ls)
	for _, want := range []string{"https://fluffy-space-abc-4566.app.github.dev/_aws/execute-api/abc123/prod/start", "will not publish it"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("LocalStack: output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestPublic(t *testing.T) {
	ctx := context.Background()
	t.Run("outside a Codespace", func(t *testing.T) {
		noCodespace(t)
		record := fakeGH(t, "0")
		p, out := project(t)
		if err := p.Public(ctx); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "not in a GitHub Codespace") {
			t.Fatalf("output:\n%s", out.String())
		}
		if _, err := os.Stat(record); !os.IsNotExist(err) {
			t.Fatal("gh was called outside a Codespace")
		}
	})
	t.Run("in a Codespace", func(t *testing.T) {
		inCodespace(t)
		record := fakeGH(t, "0")
		p, out := project(t)
		if err := p.writeOutputs(sample); err != nil {
			t.Fatal(err)
		}
		if err := p.Public(ctx); err != nil {
			t.Fatalf("Public: %v\n%s", err, out.String())
		}
		args, _ := os.ReadFile(record)
		if strings.TrimSpace(string(args)) != "codespace ports visibility 4567:public -c fluffy-space-abc" {
			t.Fatalf("gh args = %q", args)
		}
		for _, want := range []string{
			"stop    https://fluffy-space-abc-4567.app.github.dev/_aws/execute-api/abc123/prod/stop",
			"anyone with a link can call these routes, and so run your function in this Codespace (it starts and stops instance i-0123456789abcdef0)",
			"Port 4567 serves these stage URLs only; the AWS APIs (port 4566) stay private.",
			"gh codespace ports visibility 4567:private",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	})
	t.Run("before any deploy", func(t *testing.T) {
		inCodespace(t)
		t.Setenv("APIDRIVEN_PUBLIC_PORT", "")
		record := fakeGH(t, "0")
		p, out := project(t)
		if err := p.Public(ctx); err != nil {
			t.Fatalf("Public: %v\n%s", err, out.String())
		}
		if args, _ := os.ReadFile(record); strings.TrimSpace(string(args)) != "codespace ports visibility 4567:public -c fluffy-space-abc" {
			t.Fatalf("gh args = %q", args)
		}
	})
	t.Run("never the port of LocalStack's APIs", func(t *testing.T) {
		inCodespace(t)
		record := fakeGH(t, "0")
		p, _ := project(t)
		ls := *sample
		ls.Backend, ls.DataPlaneEndpoint, ls.DataPlaneURLs = provision.BackendLocalStack, "", provision.URLs{}
		if err := p.writeOutputs(&ls); err != nil {
			t.Fatal(err)
		}
		err := p.Public(ctx)
		if err == nil || !strings.Contains(err.Error(), "same port (4566) as all its AWS APIs") || !strings.Contains(status.FixOf(err), "APIDRIVEN_BACKEND=embedded") {
			t.Fatalf("err %v fix %q", err, status.FixOf(err))
		}
		if _, err := os.Stat(record); !os.IsNotExist(err) {
			t.Fatal("gh was called to publish LocalStack's port")
		}
	})
	t.Run("gh fails", func(t *testing.T) {
		inCodespace(t)
		fakeGH(t, "1")
		p, _ := project(t)
		err := p.Public(ctx)
		if err == nil || !strings.Contains(err.Error(), "must have admin rights") || !strings.Contains(status.FixOf(err), "Port Visibility") {
			t.Fatalf("err %v fix %q", err, status.FixOf(err))
		}
	})
	t.Run("aws needs nothing", func(t *testing.T) {
		inCodespace(t)
		record := fakeGH(t, "0")
		p, out := project(t)
		aws := *sample
		aws.Backend = provision.BackendAWS
		if err := p.writeOutputs(&aws); err != nil {
			t.Fatal(err)
		}
		if err := p.Public(ctx); err != nil || !strings.Contains(out.String(), "public already") {
			t.Fatalf("Public on aws: %v\n%s", err, out.String())
		}
		if _, err := os.Stat(record); !os.IsNotExist(err) {
			t.Fatal("gh was called for the aws backend")
		}
	})
}

// Clean with nothing deployed and nothing running is fine, twice.
func TestCleanWithNothingThere(t *testing.T) {
	noCodespace(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	ln.Close()
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("APIDRIVEN_BACKEND", "embedded")
	// Clean also removes the docker target's container: never a real one.
	t.Setenv("APIDRIVEN_CONTAINER", "apidriven-web-test-"+filepath.Base(t.TempDir()))
	t.Setenv("APIDRIVEN_IMAGE", "apidriven-web:test-"+filepath.Base(t.TempDir()))
	p, out := project(t)
	if err := os.MkdirAll(filepath.Join(p.StateDir(), "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := p.Clean(context.Background()); err != nil {
			t.Fatalf("clean #%d: %v\n%s", i+1, err, out.String())
		}
	}
	for _, want := range []string{"nothing answers at " + endpoint, "✓ remove .apidriven/ (build/)", ".apidriven/ already gone"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCodespaceFollowsTheRecordedEndpoint: after
// `AWS_ENDPOINT_URL=http://127.0.0.1:4599 go tool mage all`, a plain
// `public` or `outputs` in a Codespace (no AWS_ENDPOINT_URL) forwards the
// public port of that endpoint (4600), from outputs.json once deployed and
// from settings.json before, never the default 4567.
func TestCodespaceFollowsTheRecordedEndpoint(t *testing.T) {
	ctx := context.Background()
	deployed := *sample
	deployed.Endpoint, deployed.DataPlaneEndpoint = "http://127.0.0.1:4599", "http://localhost:4600"
	for _, tt := range []struct {
		name    string
		outputs *provision.Outputs
		env     string // AWS_ENDPOINT_URL
		public  string // the recorded APIDRIVEN_PUBLIC_PORT
		port    string
	}{
		{name: "before any deploy", port: "4600"},
		{name: "a recorded public port", public: "4700", port: "4700"},
		{name: "deployed", outputs: &deployed, port: "4600"},
		{name: "the environment wins over the record", env: "http://127.0.0.1:4700", port: "4701"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inCodespace(t)
			t.Setenv("AWS_ENDPOINT_URL", tt.env)
			t.Setenv("APIDRIVEN_PUBLIC_PORT", "")
			t.Setenv("APIDRIVEN_BACKEND", "")
			record := fakeGH(t, "0")
			p, out := project(t)
			if err := sticky.Save(p.StateDir(), sticky.Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4599", Region: "us-east-1", PublicPort: tt.public}); err != nil {
				t.Fatal(err)
			}
			if tt.outputs != nil {
				if err := p.writeOutputs(tt.outputs); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Public(ctx); err != nil {
				t.Fatalf("Public: %v\n%s", err, out.String())
			}
			if args, _ := os.ReadFile(record); strings.TrimSpace(string(args)) != "codespace ports visibility "+tt.port+":public -c fluffy-space-abc" {
				t.Fatalf("gh args = %q, want port %s", args, tt.port)
			}
			if tt.outputs == nil {
				return
			}
			out.Reset()
			if err := p.Outputs(); err != nil {
				t.Fatal(err)
			}
			if want := "Forwarded (Codespace): https://fluffy-space-abc-" + tt.port + ".app.github.dev/_aws/execute-api/abc123/prod/start"; !strings.Contains(out.String(), want) {
				t.Errorf("outputs lacks %q:\n%s", want, out.String())
			}
		})
	}
}
