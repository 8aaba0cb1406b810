package embedded_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/backend/embedded"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
)

// fakeEmulator is a stand-in for cmd/awsemu with the same flags, serving
// STS GetCallerIdentity and /_localstack/health, so process management is
// tested without depending on the emulator's services.
const fakeEmulator = `package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	addr := flag.String("addr", "", "")
	flag.String("data-dir", "", "")
	delay := flag.String("transition-delay", "", "")
	public := flag.String("public-addr", "", "")
	flag.Bool("allow-remote", false, "")
	enforce := flag.Bool("enforce-iam", false, "")
	soft := flag.Bool("iam-soft-mode", false, "")
	flag.Parse()
	// What the emulator inherits, for TestUpKeepsSecretsFromEmulator.
	os.WriteFile(".apidriven/fake-env", []byte(strings.Join(os.Environ(), "\n")), 0o600)
	if *delay == "crash" {
		fmt.Println("awsemu: failed to listen on", *addr, "(simulated)")
		os.Exit(1)
	}
	http.HandleFunc("/_localstack/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, ` + "`" + `{"services":{"sts":"running"},"version":"0.1.0"}` + "`" + `)
	})
	http.HandleFunc("/_localstack/info", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, ` + "`" + `{"version":"api-driven-emulator 0.1.0","enforce_iam":%t,"iam_soft_mode":%t}` + "`" + `, *enforce, *soft)
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, ` + "`" + `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:root</Arn><Account>000000000000</Account><UserId>x</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>` + "`" + `)
	})
	if *public != "" {
		go http.ListenAndServe(*public, nil)
	}
	fmt.Println("fake awsemu ready on", *addr)
	if err := http.ListenAndServe(*addr, nil); err != nil {
		fmt.Println("awsemu:", err)
		os.Exit(1)
	}
}
`

func fakeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "cmd", "awsemu"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/fake\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "cmd", "awsemu", "main.go"), []byte(fakeEmulator), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func freeEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://localhost:" + strings.Split(ln.Addr().String(), ":")[1]
}

func newProvider(root, endpoint, delay string, out *bytes.Buffer) *embedded.Provider {
	return embedded.New(embedded.Options{
		Root: root, StateDir: filepath.Join(root, ".apidriven"), Endpoint: endpoint,
		Region: "us-east-1", TransitionDelay: delay, Status: status.New(out),
	})
}

func TestUpReuseDown(t *testing.T) {
	ctx := context.Background()
	root := fakeRoot(t)
	endpoint := freeEndpoint(t)
	var out bytes.Buffer
	p := newProvider(root, endpoint, "", &out)
	t.Cleanup(func() { _ = p.Down(context.Background()) })

	if p.Started() {
		t.Fatal("Started before Up")
	}
	if err := p.Up(ctx); err != nil {
		t.Fatalf("Up: %v\n%s", err, out.String())
	}
	if !p.Started() {
		t.Fatal("not Started after Up")
	}
	found, err := probe.Classify(ctx, endpoint, "us-east-1")
	if err != nil || found.Kind != probe.AWS || !found.Info.Ours {
		t.Fatalf("endpoint after Up: %+v, %v", found, err)
	}
	pidData, err := os.ReadFile(filepath.Join(root, ".apidriven", "emulator.pid"))
	if err != nil {
		t.Fatal(err)
	}

	// A fresh provider (another mage run) reuses the same process.
	out.Reset()
	again := newProvider(root, endpoint, "", &out)
	if err := again.Up(ctx); err != nil {
		t.Fatalf("second Up: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "reusing") {
		t.Fatalf("second Up did not reuse:\n%s", out.String())
	}
	if now, _ := os.ReadFile(filepath.Join(root, ".apidriven", "emulator.pid")); !bytes.Equal(now, pidData) {
		t.Fatalf("pid file changed: %q → %q", pidData, now)
	}

	// Another endpoint while it runs is refused with the fix.
	moved := newProvider(root, freeEndpoint(t), "", &out)
	if err := moved.Up(ctx); err == nil || !strings.Contains(status.FixOf(err), "mage down") {
		t.Fatalf("Up on another port should ask for down first, got %v", err)
	}

	if err := again.Down(ctx); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if p.Started() {
		t.Fatal("still Started after Down")
	}
	if found, err := probe.Classify(ctx, endpoint, "us-east-1"); err != nil || found.Kind != probe.Nothing {
		t.Fatalf("endpoint still answers after Down: %+v, %v", found, err)
	}
	if _, err := os.Stat(filepath.Join(root, ".apidriven", "emulator.pid")); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
	out.Reset()
	if err := again.Down(ctx); err != nil || !strings.Contains(out.String(), "nothing to stop") {
		t.Fatalf("second Down: %v\n%s", err, out.String())
	}
}

func TestUpRefusesBusyPort(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>not aws</html>"))
	}))
	t.Cleanup(web.Close)
	var out bytes.Buffer
	p := newProvider(fakeRoot(t), web.URL, "", &out)
	err := p.Up(context.Background())
	if err == nil {
		t.Fatal("Up on a busy port succeeded")
	}
	_, port, _ := probe.HostPort(web.URL)
	if !strings.Contains(err.Error(), "port "+port) || !strings.Contains(status.FixOf(err), "lsof") {
		t.Fatalf("err %v, fix %q", err, status.FixOf(err))
	}
}

func TestUpReportsEarlyExit(t *testing.T) {
	var out bytes.Buffer
	p := newProvider(fakeRoot(t), freeEndpoint(t), "crash", &out)
	err := p.Up(context.Background())
	if err == nil {
		t.Fatal("Up succeeded although the emulator exited")
	}
	if !strings.Contains(err.Error(), "exited during start-up") || !strings.Contains(err.Error(), "simulated") {
		t.Fatalf("error should quote the log: %v", err)
	}
	if p.Started() {
		t.Fatal("Started after a crash")
	}
}

// TestUpKeepsSecretsFromEmulator: the emulator, and so every function it
// runs, starts with a minimal environment, never the secrets of the shell
// that ran mage.
func TestUpKeepsSecretsFromEmulator(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "canary-aws-secret")
	t.Setenv("GITHUB_TOKEN", "canary-github-token")
	t.Setenv("AWSEMU_LOG_LEVEL", "debug")
	root := fakeRoot(t)
	var out bytes.Buffer
	p := newProvider(root, freeEndpoint(t), "", &out)
	t.Cleanup(func() { _ = p.Down(context.Background()) })
	if err := p.Up(context.Background()); err != nil {
		t.Fatalf("Up: %v\n%s", err, out.String())
	}
	env, err := os.ReadFile(filepath.Join(root, ".apidriven", "fake-env"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env), "canary") {
		t.Fatalf("the emulator inherited secrets:\n%s", env)
	}
	for _, want := range []string{"PATH=", "AWSEMU_LOG_LEVEL=debug"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("the emulator's environment lacks %s:\n%s", want, env)
		}
	}
}

// TestUpRefusesRemoteWithoutOptIn: an endpoint on every interface needs
// APIDRIVEN_ALLOW_REMOTE=1, and nothing starts without it.
func TestUpRefusesRemoteWithoutOptIn(t *testing.T) {
	t.Setenv("APIDRIVEN_ALLOW_REMOTE", "")
	root := fakeRoot(t)
	_, port, _ := probe.HostPort(freeEndpoint(t))
	var out bytes.Buffer
	p := newProvider(root, "http://0.0.0.0:"+port, "", &out)
	err := p.Up(context.Background())
	if err == nil {
		_ = p.Down(context.Background())
		t.Fatal("Up on 0.0.0.0 without APIDRIVEN_ALLOW_REMOTE succeeded")
	}
	if !strings.Contains(err.Error(), "reachable from other machines") || !strings.Contains(status.FixOf(err), "APIDRIVEN_ALLOW_REMOTE=1") ||
		!strings.Contains(status.FixOf(err), "http://localhost:"+port) {
		t.Fatalf("err %v, fix %q", err, status.FixOf(err))
	}
	if _, err := os.Stat(filepath.Join(root, ".apidriven", "bin")); !os.IsNotExist(err) {
		t.Fatalf("the emulator was built or started anyway: %v", err)
	}
}

// TestUpRestartsInTheIAMModeAsked: an emulator this project started in
// another IAM mode is restarted in the one asked, either way; in the same
// mode it is reused.
func TestUpRestartsInTheIAMModeAsked(t *testing.T) {
	ctx := context.Background()
	root := fakeRoot(t)
	endpoint := freeEndpoint(t)
	var out bytes.Buffer
	up := func(mode probe.IAMMode) int {
		t.Helper()
		out.Reset()
		p := embedded.New(embedded.Options{Root: root, StateDir: filepath.Join(root, ".apidriven"), Endpoint: endpoint,
			Region: "us-east-1", IAM: mode, Status: status.New(&out)})
		t.Cleanup(func() { _ = p.Down(context.Background()) })
		if err := p.Up(ctx); err != nil {
			t.Fatalf("Up in IAM mode %s: %v\n%s", mode, err, out.String())
		}
		if info, err := probe.Health(ctx, endpoint); err != nil || info.IAM != mode {
			t.Fatalf("after Up in IAM mode %s, the emulator reports %+v (%v)", mode, info.IAM, err)
		}
		data, err := os.ReadFile(filepath.Join(root, ".apidriven", "emulator.pid"))
		if err != nil {
			t.Fatal(err)
		}
		pid, _, _ := strings.Cut(string(data), " ")
		n, _ := strconv.Atoi(pid)
		return n
	}
	first := up(probe.IAMMode{})
	strict := up(probe.IAMMode{Enforce: true})
	if !strings.Contains(out.String(), "in IAM mode default: restarting it in IAM mode strict (ENFORCE_IAM=1 IAM_SOFT_MODE=0)") || strict == first {
		t.Fatalf("Up in strict mode did not restart the emulator (pid %d, then %d):\n%s", first, strict, out.String())
	}
	if again := up(probe.IAMMode{Enforce: true}); again != strict || !strings.Contains(out.String(), "reusing it") {
		t.Fatalf("Up in the same mode did not reuse the emulator (pid %d, then %d):\n%s", strict, again, out.String())
	}
	if back := up(probe.IAMMode{}); back == strict || !strings.Contains(out.String(), "in IAM mode strict: restarting it in IAM mode default") {
		t.Fatalf("Up in the default mode did not restart the strict emulator:\n%s", out.String())
	}
}
