//go:build unix

package launcher

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apidriven/api-driven/internal/status/statustest"
)

// slowGo makes Mage's builds start late (MAGEFILE_GOCMD is Mage's go
// command), so that a test can watch and interrupt the compile step.
func slowGo(t *testing.T, seconds string) []string {
	return []string{"MAGEFILE_GOCMD=" + statustest.SlowGo(t, seconds)}
}

func TestSlowRecompileAnnouncesItselfAndTicks(t *testing.T) {
	f := setup(t)
	if _, _, p, code := run(f, f.root, "", "hello"); code != 0 { // Mage built, targets compiled
		t.Fatalf("warm-up run failed:\n%s", p)
	}
	write(t, f.root, "lib/lib.go", "package lib\n\nconst Msg = \"three\"\n")
	t.Cleanup(func() { write(t, f.root, "lib/lib.go", "package lib\n\nconst Msg = \"one\"\n") })
	var o, e, p bytes.Buffer
	l := &Launcher{
		Dir: f.root, Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, Progress: &p,
		Env: append(f.env, slowGo(t, "1")...), Go: "go", CacheDir: f.cache,
		AnnounceAfter: 10 * time.Millisecond, Heartbeat: 50 * time.Millisecond,
	}
	if code := l.Run([]string{"hello"}); code != 0 || o.String() != "hello three\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, o.String(), e.String())
	}
	lines := strings.Split(strings.TrimRight(p.String(), "\n"), "\n")
	if lines[0] != "  compiling the targets (magefile.go, workflow/ and what they import; Go recompiles only what changed)…" ||
		!strings.HasPrefix(lines[len(lines)-1], "✓ compile the targets (") {
		t.Fatalf("progress:\n%s", p.String())
	}
	// While go sleeps after compiling, the heartbeat names what it compiled.
	if !strings.Contains(p.String(), " packages started, the latest ") || !strings.Contains(p.String(), "  … still compiling the targets (") {
		t.Fatalf("no heartbeat naming the packages compiled:\n%s", p.String())
	}
}

// launcherBinary builds cmd/mage, with its cache directory holding the Mage
// the fixture built, so that it runs as `go tool mage` does.
func launcherBinary(t *testing.T, f fixture) (bin string, env []string) {
	t.Helper()
	if _, _, p, code := run(f, f.root, "", "hello"); code != 0 {
		t.Fatalf("warm-up run failed:\n%s", p)
	}
	dir := t.TempDir()
	bin = filepath.Join(dir, "mage")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/apidriven/api-driven/cmd/mage").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mage: %v\n%s", err, out)
	}
	xdg := filepath.Join(dir, "xdg")
	mages, _ := filepath.Glob(filepath.Join(f.cache, "mage-*"))
	if err := os.MkdirAll(filepath.Join(xdg, "api-driven"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, m := range mages {
		if err := os.Link(m, filepath.Join(xdg, "api-driven", filepath.Base(m))); err != nil {
			t.Fatal(err)
		}
	}
	// XDG_CACHE_HOME also moves Go's default build cache: keep the one in use.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	return bin, append(f.env, "XDG_CACHE_HOME="+xdg, "GOCACHE="+strings.TrimSpace(string(gocache)))
}

// interrupt runs the launcher in its own process group, waits for a line
// containing ready, then sends SIGINT to the group as a terminal's Ctrl-C
// does, and returns the exit code and everything printed.
func interrupt(t *testing.T, bin, dir string, env []string, ready string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var all strings.Builder
	seen := make(chan struct{})
	go func() {
		var once sync.Once
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			mu.Lock()
			all.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), ready) {
				once.Do(func() { close(seen) })
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	select {
	case <-seen:
	case err := <-exited:
		t.Fatalf("exited (%v) before %q:\n%s", err, ready, all.String())
	case <-time.After(3 * time.Minute):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("no %q within 3 minutes:\n%s", ready, all.String())
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(time.Minute):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("still running a minute after Ctrl-C:\n%s", all.String())
	}
	mu.Lock()
	defer mu.Unlock()
	return exitCode(err, io.Discard), all.String()
}

func TestCtrlCReachesTheTarget(t *testing.T) {
	f := setup(t)
	bin, env := launcherBinary(t, f)
	code, out := interrupt(t, bin, f.sub, env, "waiting", "wait")
	// The target gets the terminal's one interrupt (the launcher neither
	// dies of it nor sends another), and its error is the exit code.
	if code != 1 || !strings.Contains(out, "got 1 interrupt(s)\n") || !strings.Contains(out, "Error: interrupted") {
		t.Fatalf("exit code %d after Ctrl-C:\n%s", code, out)
	}
}

func TestCtrlCWhileCompilingSaysOneLine(t *testing.T) {
	f := setup(t)
	bin, env := launcherBinary(t, f)
	code, out := interrupt(t, bin, f.root, append(env, slowGo(t, "120")...), "compiling the targets", "hello")
	want := "✗ compile the targets ("
	if code != 1 || strings.Count(out, "✗") != 1 || !strings.Contains(out, want) ||
		!strings.Contains(out, "): interrupted (Ctrl-C); what was compiled so far stays in Go's build cache\n  → run `go tool mage hello` again to carry on\n") {
		t.Fatalf("exit code %d after Ctrl-C while compiling:\n%s", code, out)
	}
	if strings.Contains(out, "Error:") {
		t.Fatalf("Mage's own compile error leaked after Ctrl-C:\n%s", out)
	}
}
