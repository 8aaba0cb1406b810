package e2e_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestWatch: after all, watch answers the status route; a save that
// renames the status field makes the next answer carry the new name; a
// compile error is printed with the compiler's line and watching goes
// on; the fix (with another rename) gives the next answer; Ctrl-C (SIGINT
// to the process group, as a terminal sends it) ends watch with one line.
// The save → answer latency watch prints is logged.
func TestWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	r := &repo{dir: copyRepo(t), env: env("APIDRIVEN_BACKEND=embedded", "AWS_ENDPOINT_URL="+endpoint, "APIDRIVEN_TRANSITION_DELAY=300ms")}
	t.Cleanup(func() { stopLeftover(t, r.dir) })
	r.mustMage(t, "all")

	w := startWatch(t, r)
	w.expect(t, "the initial answer", `✓ status → HTTP 200 {"instanceId":"i-`, `"state":"running"}`)
	w.expect(t, "the watching line", "  watching lambda/ (Ctrl-C to stop)")

	handler := filepath.Join(r.dir, "lambda", "handler", "handler.go")
	edit(t, handler, "`json:\"state\"`", "`json:\"etat\"`")
	w.expect(t, "the changed file", "  lambda/handler/handler.go changed")
	w.expect(t, "the code update", "✓ lambda function apidriven-ec2 code updated, active (")
	line := w.expect(t, "the new answer", "✓ status after save → HTTP 200 {", `"etat":"running"}`)
	t.Logf("save → answer: %s", latency(t, line))

	edit(t, handler, "\n// StatusReply is", "\nvar _ = undefinedThing\n\n// StatusReply is")
	w.expect(t, "the failed build", "✗ build lambda ./lambda for ")
	w.expect(t, "the compiler's line", "lambda/handler/handler.go:", "undefined: undefinedThing")
	w.expect(t, "the fix", "  → fix it and save: watch goes on and rebuilds")

	edit(t, handler, "\nvar _ = undefinedThing\n", "\n", "`json:\"etat\"`", "`json:\"statut\"`")
	line = w.expect(t, "the answer after the fix", "✓ status after save → HTTP 200 {", `"statut":"running"}`)
	t.Logf("save → answer after the fix: %s", latency(t, line))

	w.interrupt(t)
	w.expect(t, "the one line of Ctrl-C", "✓ watch stopped (Ctrl-C): function apidriven-ec2 runs lambda/ as last saved")
	if err := w.wait(t); err != nil {
		t.Errorf("watch after Ctrl-C: %v", err)
	}
	if got := w.count("✓ watch stopped"); got != 1 {
		t.Errorf("Ctrl-C printed the stop line %d times", got)
	}
}

// watchProcess is `go tool mage watch` running in its own process group,
// its output read line by line.
type watchProcess struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error

	mu  sync.Mutex
	all []string
}

func startWatch(t *testing.T, r *repo) *watchProcess {
	t.Helper()
	cmd := exec.Command("go", "tool", "mage", "watch")
	cmd.Dir, cmd.Env = r.dir, r.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	w := &watchProcess{cmd: cmd, lines: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			w.mu.Lock()
			w.all = append(w.all, sc.Text())
			w.mu.Unlock()
			w.lines <- sc.Text()
		}
		close(w.lines)
		w.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // a failed test leaves nothing running
		w.mu.Lock()
		defer w.mu.Unlock()
		t.Logf("$ go tool mage watch\n%s", strings.Join(w.all, "\n"))
	})
	return w
}

// expect waits (deadline: a loaded machine's first build) for the next
// line holding every part, and returns it.
func (w *watchProcess) expect(t *testing.T, what string, parts ...string) string {
	t.Helper()
	deadline := time.After(3 * time.Minute)
	for {
		select {
		case line, ok := <-w.lines:
			if !ok {
				t.Fatalf("watch ended before printing %s (%q)", what, parts)
			}
			if containsAll(line, parts) {
				return line
			}
		case <-deadline:
			t.Fatalf("watch did not print %s (%q) within 3 minutes", what, parts)
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func (w *watchProcess) count(part string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, l := range w.all {
		if strings.Contains(l, part) {
			n++
		}
	}
	return n
}

// interrupt is Ctrl-C in a terminal: SIGINT to the whole process group.
func (w *watchProcess) interrupt(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-w.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

func (w *watchProcess) wait(t *testing.T) error {
	t.Helper()
	for range w.lines { // drain what is left
	}
	select {
	case err := <-w.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("watch still runs 30s after Ctrl-C")
		return nil
	}
}

// edit saves file with each old string replaced by the new one after it,
// as an editor does: a new file renamed over the old one.
func edit(t *testing.T, file string, oldNew ...string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i := 0; i+1 < len(oldNew); i += 2 {
		if n := strings.Count(s, oldNew[i]); n != 1 {
			t.Fatalf("%s holds %q %d times, want once", file, oldNew[i], n)
		}
		s = strings.Replace(s, oldNew[i], oldNew[i+1], 1)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}

var durationSuffix = regexp.MustCompile(`\(([0-9.]+(?:ms|s|µs))\)$`)

func latency(t *testing.T, line string) string {
	t.Helper()
	m := durationSuffix.FindStringSubmatch(line)
	if m == nil {
		t.Errorf("no duration at the end of %q", line)
		return "?"
	}
	return m[1]
}
