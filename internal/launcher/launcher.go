// Package launcher is what `go tool mage` runs in this repository (through
// cmd/mage): a small front for Mage (github.com/magefile/mage) that prints
// its first line at once and never leaves a long compile silent.
//
// Mage compiles magefile.go together with everything it imports (workflow/
// and the AWS SDK) before it runs a target; on an empty Go build cache that
// takes minutes and Mage prints nothing meanwhile. The launcher imports
// nothing but the standard library and internal/status, so `go tool mage`
// starts it quickly, then:
//
//  1. finds the module root (so `go tool mage` works from any subdirectory);
//  2. builds Mage itself once per Mage and Go version, kept under the user's
//     cache directory;
//  3. has Mage compile the targets (`mage -l`, output kept unless it fails)
//     behind a progress line that ticks every 10 s;
//  4. runs Mage with the user's arguments, stdin, stdout, stderr and exit
//     code, exactly as `mage` would.
//
// Step 3 is what Mage does on every run anyway: with a Go build cache (the
// default) Mage v1.17 calls `go build` each time, so a change under workflow/
// is always compiled in (see stale below). Step 4 then finds the binary up to
// date and only runs it.
package launcher

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apidriven/api-driven/internal/status"
)

// MageModule is the module that provides Mage; go.mod requires it (tools.go).
const MageModule = "github.com/magefile/mage"

// Launcher runs Mage for the project around Dir. The zero value is not
// usable: start from New.
type Launcher struct {
	Dir      string    // where the user ran `go tool mage`
	Stdin    io.Reader // passed to Mage
	Stdout   io.Writer // passed to Mage
	Stderr   io.Writer // passed to Mage
	Progress io.Writer // the launcher's own lines (stderr by default)
	Env      []string  // environment of Mage and of the go commands
	Go       string    // the go command
	CacheDir string    // where the Mage binary is kept

	// AnnounceAfter is how long a compile may run before the launcher says
	// what it is doing, when the Mage binary was already there (a warm run
	// recompiles in about a second and prints nothing).
	AnnounceAfter time.Duration
	// Heartbeat is how often a long compile says it is still running
	// (status.HeartbeatInterval when zero).
	Heartbeat time.Duration
}

// New is a Launcher for this process: its working directory, standard
// streams and environment, and the user's cache directory.
func New() *Launcher {
	dir, _ := os.Getwd()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return &Launcher{
		Dir: dir, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Progress: os.Stderr,
		Env: os.Environ(), Go: "go", CacheDir: filepath.Join(cache, "api-driven"),
		AnnounceAfter: 2 * time.Second,
	}
}

// Run runs `mage args...` for the project and returns the exit code.
func (l *Launcher) Run(args []string) int {
	st := status.New(l.Progress)
	if l.Heartbeat > 0 {
		st.SetHeartbeatInterval(l.Heartbeat)
	}
	// Like Mage itself, the launcher does not die of Ctrl-C: the terminal
	// sends it to Mage and the target too, which handle it. The compiles
	// the launcher runs are in a process group of their own, and it stops
	// them itself, so that it knows for sure why they ended.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	intr, quit := make(chan struct{}), make(chan struct{})
	defer close(quit)
	go func() {
		select {
		case <-sigs:
			close(intr)
		case <-quit:
		}
	}()

	root, err := FindRoot(l.Dir)
	if err != nil {
		fmt.Fprintf(l.Progress, "✗ mage: %v\n  → %s\n", err, status.FixOf(err))
		return 1
	}
	plan := Plan(args)
	dir := root
	if plan.OwnDir {
		dir = l.Dir // -d or -w are relative to where the user is
	}
	env := withoutStaleCache(l.Env)

	mage, built, err := l.mageBinary(st, root, env, intr, args)
	if err != nil {
		return 1
	}
	if plan.Compile {
		if code := l.compileTargets(st, dir, mage, env, built, intr, args); code != 0 {
			return code
		}
	}
	cmd := exec.Command(mage, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = l.Stdin, l.Stdout, l.Stderr
	return exitCode(cmd.Run(), l.Stderr)
}

// RunPlan is what the launcher does for a command line.
type RunPlan struct {
	Compile bool // compile the targets first, behind a progress line
	OwnDir  bool // -d or -w given: run Mage where the user is, not at the root
}

// Plan reads Mage's command line the way Mage's flag set does (flags stop
// at the first target name). Running targets, listing them (-l) or showing
// one target's help (-h target) compiles the targets first; Mage's other
// commands and options (-version, -clean, -init, -compile, -f, -d, -debug…)
// go to Mage untouched.
func Plan(args []string) RunPlan {
	plan := RunPlan{Compile: true}
	help, target := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			target = i+1 < len(args)
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			target = true
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "v", "l":
		case "h":
			help = true
		case "t":
			if !hasValue {
				i++ // the duration is the next argument
			}
		case "d", "w":
			plan.OwnDir, plan.Compile = true, false
			if !hasValue {
				i++
			}
		default:
			plan.Compile = false
		}
	}
	if help && !target {
		plan.Compile = false // Mage's own usage: nothing to compile
	}
	return plan
}

// FindRoot is the nearest directory at or above dir with a go.mod; it must
// hold magefile.go.
func FindRoot(dir string) (string, error) {
	fix := "run it inside the api-driven repository (any directory of it): go tool mage -l"
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "magefile.go")); err != nil {
				return "", status.WithFix(fmt.Errorf("the module at %s has no magefile.go", d), "%s", fix)
			}
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", status.WithFix(fmt.Errorf("no go.mod in %s or any directory above it", dir), "%s", fix)
		}
	}
}

// mageBinary returns Mage's binary for the Mage version go.mod requires,
// built by this Go version; built reports that it was compiled just now
// (a cold machine, so the targets will take a while too).
func (l *Launcher) mageBinary(st *status.Status, root string, env []string, intr <-chan struct{}, args []string) (path string, built bool, err error) {
	version, err := l.output(root, env, intr, "list", "-m", "-f", "{{.Version}}", MageModule)
	if errors.Is(err, errInterrupted) { // Ctrl-C while go list resolves (it may download)
		return "", false, interrupted(st.Start("find Mage"), args)
	}
	if err != nil {
		step := st.Start("find Mage")
		return "", false, step.Fail(status.WithFix(fmt.Errorf("go list -m %s: %w\n%s", MageModule, err, version),
			"run `go mod download` (go.mod must require %s)", MageModule))
	}
	version = strings.TrimSpace(version)
	if version == "" || strings.ContainsAny(version, `/\ `) {
		version = "local" // replaced by a directory: rebuilt below when stale
	}
	name := "mage-" + version + "-" + runtime.Version()
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	path = filepath.Join(l.CacheDir, name)
	if _, err := os.Stat(path); err == nil && version != "local" {
		return path, false, nil
	}
	step := st.Start("compile Mage " + version)
	st.Infof("first run on this machine: compiling Mage %s (kept in %s)…", version, l.CacheDir)
	progress := &compileLog{}
	stop := step.HeartbeatWith("still compiling Mage", progress.detail)
	err = l.buildMage(root, env, path, intr, progress)
	stop()
	if errors.Is(err, errInterrupted) {
		return "", false, interrupted(step, args)
	}
	if err != nil {
		return "", false, step.Fail(err)
	}
	step.Done("")
	return path, true, nil
}

// buildMage builds into a fresh directory and renames into place, so two
// launchers at once never run a half-written binary.
func (l *Launcher) buildMage(root string, env []string, path string, intr <-chan struct{}, progress io.Writer) error {
	if err := os.MkdirAll(l.CacheDir, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", l.CacheDir, err)
	}
	tmp, err := os.MkdirTemp(l.CacheDir, ".build-")
	if err != nil {
		return fmt.Errorf("failed to create a build directory in %s: %w", l.CacheDir, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, filepath.Base(path))
	var msg bytes.Buffer
	cmd := exec.Command(l.Go, "build", "-v", "-o", out, MageModule)
	// One writer for both: os/exec then never calls it from two
	// goroutines at once (msg is not safe for concurrent writes).
	both := io.MultiWriter(&msg, progress)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = root, env, both, both
	if err := runInterruptible(cmd, intr); err != nil {
		if errors.Is(err, errInterrupted) {
			return err
		}
		return status.WithFix(fmt.Errorf("go build %s: %w\n%s", MageModule, err, msg.String()),
			"run `go mod download`, then `go tool mage` again")
	}
	if err := os.Rename(out, path); err != nil {
		return fmt.Errorf("failed to move Mage into %s: %w", path, err)
	}
	return nil
}

// compileTargets has Mage compile the magefile (with workflow/ and the AWS
// SDK) by listing the targets, and shows progress while it runs. On failure
// it prints what Mage printed and returns Mage's exit code.
func (l *Launcher) compileTargets(st *status.Status, dir, mage string, env []string, cold bool, intr <-chan struct{}, args []string) int {
	step := st.Start("compile the targets")
	// `go build -v` names each package as Go compiles it: the heartbeat
	// says how far the compile is.
	progress := &compileLog{}
	cmd := exec.Command(mage, "-l")
	cmd.Dir, cmd.Env = dir, append(env, "GOFLAGS="+strings.TrimSpace(getenv(env, "GOFLAGS")+" -v"))
	cmd.Stdout, cmd.Stderr = io.Discard, progress
	done := make(chan error, 1)
	go func() { done <- runInterruptible(cmd, intr) }()

	stop, announced := func() {}, false
	announce := func() {
		announced = true
		if cold {
			st.Infof("compiling the targets: magefile.go, workflow/ and the AWS SDK they use (the first time on a machine: %s; later runs: about a second)…", FirstCompile)
		} else {
			st.Infof("compiling the targets (magefile.go, workflow/ and what they import; Go recompiles only what changed)…")
		}
		stop = step.HeartbeatWith("still compiling the targets", progress.detail)
	}
	var later <-chan time.Time // a warm run says nothing unless it lasts
	if cold {
		announce()
	} else {
		later = time.After(l.AnnounceAfter)
	}
	var err error
	select {
	case err = <-done:
	case <-later:
		announce()
		err = <-done
	}
	stop()
	switch {
	case err == nil:
		if announced {
			step.Done("")
		}
		return 0
	case errors.Is(err, errInterrupted):
		interrupted(step, args)
		return 1
	}
	// Show what `mage` alone prints (the compile errors, then "Error: error
	// compiling magefiles"): ask again without -v, which only recompiles
	// what failed.
	again := exec.Command(mage, "-l")
	again.Dir, again.Env, again.Stdout, again.Stderr = dir, env, l.Stdout, l.Stderr
	return exitCode(again.Run(), l.Stderr)
}

// compileLog counts the packages `go build -v` names on stderr.
type compileLog struct {
	mu      sync.Mutex
	partial string
	n       int
	last    string
}

func (c *compileLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := strings.Split(c.partial+string(p), "\n")
	c.partial = lines[len(lines)-1]
	for _, line := range lines[:len(lines)-1] {
		if line = strings.TrimSpace(line); line != "" && !strings.ContainsAny(line, " \t:") {
			c.n++
			c.last = line
		}
	}
	return len(p), nil
}

// detail is "212 packages started, the latest github.com/aws/aws-sdk-go-v2/service/ec2"
// (go build -v names a package when it starts compiling it).
func (c *compileLog) detail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d packages started, the latest %s", c.n, c.last)
}

// getenv is the last value of key in env, as exec uses it.
func getenv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// errInterrupted is a compile stopped by Ctrl-C.
var errInterrupted = errors.New("interrupted (Ctrl-C); what was compiled so far stays in Go's build cache")

// runInterruptible runs cmd in a process group of its own and stops that
// group at the first Ctrl-C.
func runInterruptible(cmd *exec.Cmd, intr <-chan struct{}) error {
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-intr:
		stopGroup(cmd)
		<-done
		return errInterrupted
	}
}

// FirstCompile is how long compiling the targets takes on an empty Go build
// cache, as scripts/first-run.sh measures it (docs/speed.md).
const FirstCompile = "1 to 2 minutes on 2 idle CPUs, up to 10 on a busy machine"

// interrupted reports the step as stopped by Ctrl-C, with the command
// that carries on.
func interrupted(step *status.Step, args []string) error {
	again := strings.TrimSpace("go tool mage " + strings.Join(args, " "))
	return step.Fail(status.WithFix(errInterrupted, "run `%s` again to carry on", again))
}

// withoutStaleCache drops MAGEFILE_HASHFAST: with it Mage reuses a binary
// as long as magefile.go is unchanged, so a change under workflow/ would run
// stale code.
func withoutStaleCache(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MAGEFILE_HASHFAST=") {
			out = append(out, kv)
		}
	}
	return out
}

func (l *Launcher) output(dir string, env []string, intr <-chan struct{}, args ...string) (string, error) {
	cmd := exec.Command(l.Go, args...)
	var out bytes.Buffer
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &out, &out
	err := runInterruptible(cmd, intr)
	return out.String(), err
}

// exitCode is Mage's exit status: its own code, 128+signal when a signal
// ended it, 1 when it could not start.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		fmt.Fprintf(stderr, "failed to run Mage: %v\n", err)
		return 1
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}
