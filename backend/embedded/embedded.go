// Package embedded runs the project's own emulator (cmd/awsemu) as a
// detached background process on the endpoint's port, with its pid, log
// and data under .apidriven/, so the URLs stay live after mage exits.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
)

// Options configure the embedded backend.
type Options struct {
	Root            string        // module root, where ./cmd/awsemu lives
	StateDir        string        // .apidriven: bin/, emulator-data/, emulator.log, emulator.pid
	Endpoint        string        // e.g. http://localhost:4566
	Region          string        //
	TransitionDelay string        // -transition-delay; "" keeps the emulator's default
	ReadyTimeout    time.Duration // default 60s
	// EC2Containers starts the emulator with -ec2-containers: instances of
	// container AMIs run as Docker containers (APIDRIVEN_EC2_CONTAINERS=1).
	// Up restarts an emulator it started without the mode.
	EC2Containers bool
	// IAM is the emulator's IAM mode (ENFORCE_IAM, IAM_SOFT_MODE). Up
	// restarts an emulator it started in another mode.
	IAM probe.IAMMode
	// AllowRemote starts the emulator with -allow-remote, so that it may
	// listen beyond loopback (APIDRIVEN_ALLOW_REMOTE=1).
	AllowRemote bool
	// PublicPort is the public data-plane port (APIDRIVEN_PUBLIC_PORT);
	// "" is the endpoint's port + 1.
	PublicPort string
	// DockerTarget: the function drives containers (APIDRIVEN_TARGET=docker),
	// so a root emulator's functions join the Docker socket's group.
	DockerTarget bool
	Status       *status.Status
}

// Provider is the embedded backend.
type Provider struct{ o Options }

// New returns the provider; nothing starts until Up.
func New(o Options) *Provider {
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	return &Provider{o: o}
}

func (p *Provider) Name() string     { return "embedded" }
func (p *Provider) Endpoint() string { return p.o.Endpoint }

// BuildPlatform is the host: the emulator runs functions as local processes.
func (p *Provider) BuildPlatform() build.Platform { return build.Host() }

// Started reports whether an emulator started from this directory runs.
func (p *Provider) Started() bool {
	_, _, ok := p.running()
	return ok
}

// Binary is where Install puts the emulator.
func (p *Provider) Binary() string { return filepath.Join(p.o.StateDir, "bin", "awsemu") }

// LogFile is the emulator's log.
func (p *Provider) LogFile() string { return filepath.Join(p.o.StateDir, "emulator.log") }

func (p *Provider) pidFile() string { return filepath.Join(p.o.StateDir, "emulator.pid") }
func (p *Provider) dataDir() string { return filepath.Join(p.o.StateDir, "emulator-data") }

// BuildFlags are the emulator's go build flags: Go's defaults, like Mage's
// compile of the targets, so that the standard library and the packages
// both use (net/http, …) compile once, not twice, on a fresh machine.
// -buildvcs=false: no git calls, and no relink after each commit.
var BuildFlags = []string{"-buildvcs=false"}

// FirstBuild is how long the emulator's first build takes after Mage
// compiled the targets (scripts/first-run.sh, docs/speed.md).
const FirstBuild = "under 20 s, most of it was compiled with the targets"

// Install builds the emulator binary (go build caches, so a rebuild of
// unchanged sources is quick).
func (p *Provider) Install(ctx context.Context) error {
	step := p.o.Status.Start("build emulator ./cmd/awsemu")
	_, statErr := os.Stat(p.Binary())
	if statErr != nil {
		p.o.Status.Infof("building the emulator (the first build on a machine: %s)…", FirstBuild)
	}
	args := append(append([]string{"build"}, BuildFlags...), "-o", p.Binary(), "./cmd/awsemu")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = p.o.Root
	stop := step.Heartbeat("still building the emulator")
	out, err := cmd.CombinedOutput()
	stop()
	if err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("failed to build the emulator: %w\n%s", err, out),
			"run `go build ./cmd/awsemu` to see the error; make sure Go 1.26 is installed"))
	}
	what := "→ " + rel(p.o.Root, p.Binary())
	if statErr == nil {
		what += " (was there, refreshed)"
	}
	step.Done(what)
	return nil
}

// Up starts the emulator (or reuses the one started earlier) and waits
// until STS and /_localstack/health answer.
func (p *Provider) Up(ctx context.Context) error {
	addr, err := p.listenAddr()
	if err != nil {
		return err
	}
	if err := p.checkRemote(addr); err != nil {
		return err
	}
	if pid, pidAddr, ok := p.running(); ok {
		step := p.o.Status.Start("emulator")
		if pidAddr != addr {
			return step.Fail(status.WithFix(fmt.Errorf("the emulator started earlier (pid %d) listens on %s, not on %s", pid, pidAddr, addr),
				"run `go tool mage down` first, then `go tool mage up` with the new AWS_ENDPOINT_URL"))
		}
		if err := p.waitReady(ctx, nil); err != nil {
			return step.Fail(err)
		}
		why := p.restartReason(ctx)
		if why == "" {
			step.Done(fmt.Sprintf("already running at %s (pid %d), reusing it", p.o.Endpoint, pid))
			return nil
		}
		// Started by us otherwise than now asked: restart it; its state
		// is on disk, so every resource survives the restart.
		step.Done(fmt.Sprintf("running at %s (pid %d) %s", p.o.Endpoint, pid, why))
		if err := p.Down(ctx); err != nil {
			return err
		}
	}
	_ = os.Remove(p.pidFile()) // stale
	if err := p.checkPortFree(ctx); err != nil {
		return err
	}
	if err := p.Install(ctx); err != nil {
		return err
	}
	step := p.o.Status.Start("emulator")
	args, err := p.args(addr)
	if err != nil {
		return step.Fail(err)
	}
	exited, pid, err := p.start(addr, args)
	if err != nil {
		return step.Fail(err)
	}
	if err := p.waitReady(ctx, exited); err != nil {
		return step.Fail(err)
	}
	mode := ""
	if p.o.EC2Containers {
		mode = ", instances of container AMIs run as containers"
	}
	if p.o.IAM != (probe.IAMMode{}) {
		mode += ", IAM mode " + p.o.IAM.String() + " (" + p.o.IAM.Env() + ")"
	}
	step.Done(fmt.Sprintf("running at %s (pid %d, log %s%s)", p.o.Endpoint, pid, rel(p.o.Root, p.LogFile()), mode))
	return nil
}

// restartReason says why the running emulator cannot be reused as it
// is, or "".
func (p *Provider) restartReason(ctx context.Context) string {
	info, err := probe.Health(ctx, p.o.Endpoint)
	if err != nil {
		return "" // it answered waitReady just now: keep it rather than restart it on a hiccup
	}
	switch {
	case p.publicServed(ctx) != nil:
		return "without a public port at " + p.PublicEndpoint() + " (stage URLs only): restarting it with one"
	case p.o.EC2Containers && !info.EC2Containers:
		return "without -ec2-containers: restarting it with the mode (APIDRIVEN_EC2_CONTAINERS=1)"
	case info.IAM != p.o.IAM:
		return fmt.Sprintf("in IAM mode %s: restarting it in IAM mode %s (%s)", info.IAM, p.o.IAM, p.o.IAM.Env())
	case !p.functionsReachDocker(info):
		return "with functions that cannot use the Docker engine: restarting it so that they can (APIDRIVEN_TARGET=docker)"
	}
	return ""
}

func (p *Provider) listenAddr() (string, error) {
	host, port, err := probe.HostPort(p.o.Endpoint)
	if err != nil {
		return "", err
	}
	if !probe.IsLocal(host) {
		return "", status.WithFix(fmt.Errorf("the embedded emulator can only run on this machine, but AWS_ENDPOINT_URL is %s", p.o.Endpoint),
			"use http://localhost:<port>, or APIDRIVEN_BACKEND=auto to use what already runs at %s", p.o.Endpoint)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// checkPortFree refuses to start on a port somebody else serves.
func (p *Provider) checkPortFree(ctx context.Context) error {
	found, err := probe.Classify(ctx, p.o.Endpoint, p.o.Region)
	if err != nil {
		return err
	}
	switch found.Kind {
	case probe.AWS:
		who := "an AWS-compatible endpoint (LocalStack, moto or another emulator)"
		if found.Info.Ours {
			who = "an api-driven emulator started elsewhere"
		}
		return status.WithFix(fmt.Errorf("%s already answers at %s", who, p.o.Endpoint),
			"use it with APIDRIVEN_BACKEND=auto, stop it, or pick another port: AWS_ENDPOINT_URL=%s", probe.OtherEndpoint(p.o.Endpoint))
	case probe.NonAWS:
		return probe.PortBusy(p.o.Endpoint, found.Err)
	}
	return nil
}

// start launches the emulator detached in its own session so it outlives
// mage and a terminal's Ctrl-C.
func (p *Provider) start(addr string, args []string) (<-chan struct{}, int, error) {
	for _, dir := range []string{p.dataDir(), filepath.Dir(p.LogFile())} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, 0, fmt.Errorf("failed to create %s: %w", dir, err)
		}
	}
	logf, err := os.OpenFile(p.LogFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("failed to open %s: %w", p.LogFile(), err)
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(p.Binary(), args...)
	cmd.Dir = p.o.Root
	cmd.Env = emulatorEnv(os.Environ())
	cmd.Stdout, cmd.Stderr = logf, logf
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("failed to start %s: %w", p.Binary(), err)
	}
	pid := cmd.Process.Pid
	exited := track(cmd)
	if err := writeAtomic(p.pidFile(), []byte(fmt.Sprintf("%d %s\n", pid, addr))); err != nil {
		_ = cmd.Process.Kill()
		return nil, 0, err
	}
	return exited, pid, nil
}

// args are the emulator's flags: the public port always listens on
// loopback (a Codespace forwards it from there).
func (p *Provider) args(addr string) ([]string, error) {
	public, err := PublicPort(p.o.Endpoint, p.o.PublicPort)
	if err != nil {
		return nil, err
	}
	args := []string{"-addr", addr, "-data-dir", p.dataDir(), "-public-addr", net.JoinHostPort("127.0.0.1", public)}
	if p.o.TransitionDelay != "" {
		args = append(args, "-transition-delay", p.o.TransitionDelay)
	}
	if p.o.EC2Containers {
		args = append(args, "-ec2-containers")
	}
	args = append(args, p.o.IAM.Flags()...)
	if p.o.AllowRemote {
		args = append(args, "-allow-remote")
	}
	return append(args, p.functionDockerArgs()...), nil
}

func (p *Provider) waitReady(ctx context.Context, exited <-chan struct{}) error {
	cfg, err := probe.AWSConfig(ctx, p.o.Endpoint, p.o.Region)
	if err != nil {
		return err
	}
	return probe.Wait(ctx, p.o.Status, "emulator at "+p.o.Endpoint, p.o.ReadyTimeout, func(ctx context.Context) error {
		select {
		case <-exited:
			return probe.Permanent(p.exitError())
		default:
		}
		if _, err := probe.CallerIdentity(ctx, cfg); err != nil {
			if refused := probe.RegionRefused(err, p.o.Endpoint, p.o.Region); refused != nil {
				return probe.Permanent(refused)
			}
			return err
		}
		info, err := probe.Health(ctx, p.o.Endpoint)
		if err != nil {
			return err
		}
		if !info.Served {
			return errors.New("/_localstack/health not served yet")
		}
		if exited == nil {
			return nil // reused: publicServed says what is missing
		}
		return p.publicServed(ctx)
	})
}

// publicServed checks the public data-plane port answers its health.
func (p *Provider) publicServed(ctx context.Context) error {
	info, err := probe.Health(ctx, p.PublicEndpoint())
	if err != nil {
		return err
	}
	if !info.Served {
		return fmt.Errorf("%s/_localstack/health not served", p.PublicEndpoint())
	}
	return nil
}

// Down stops the emulator this directory started: SIGTERM, a bounded wait
// for its clean shutdown, then SIGKILL.
func (p *Provider) Down(ctx context.Context) error {
	pid, _, ok := p.running()
	if !ok {
		_ = os.Remove(p.pidFile())
		p.o.Status.Infof("embedded emulator not running, nothing to stop")
		return nil
	}
	step := p.o.Status.Start(fmt.Sprintf("stop emulator (pid %d)", pid))
	if err := terminate(pid); err != nil {
		return step.Fail(fmt.Errorf("failed to signal pid %d: %w", pid, err))
	}
	gone := func(context.Context) error {
		if alive(pid) {
			return fmt.Errorf("pid %d still running", pid)
		}
		return nil
	}
	how := "stopped"
	if err := probe.Wait(ctx, status.Discard(), "emulator shutdown", 10*time.Second, gone); err != nil {
		if err := kill(pid); err != nil {
			return step.Fail(fmt.Errorf("failed to kill pid %d: %w", pid, err))
		}
		if err := probe.Wait(ctx, status.Discard(), "emulator kill", 5*time.Second, gone); err != nil {
			return step.Fail(err)
		}
		how = "killed after 10s without a clean shutdown"
	}
	if err := os.Remove(p.pidFile()); err != nil && !os.IsNotExist(err) {
		return step.Fail(fmt.Errorf("failed to remove %s: %w", p.pidFile(), err))
	}
	step.Done(how)
	return nil
}

// running reads the pid file and checks the process is alive and is the
// emulator (a recycled pid must never be signalled).
func (p *Provider) running() (pid int, addr string, ok bool) {
	data, err := os.ReadFile(p.pidFile())
	if err != nil {
		return 0, "", false
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 {
		return 0, "", false
	}
	pid, err = strconv.Atoi(fields[0])
	if err != nil || pid <= 0 || !alive(pid) || !isEmulator(pid) {
		return 0, "", false
	}
	return pid, fields[1], true
}

// exitError says why the emulator exited during start-up: its own last
// words ("awsemu: <cause>" and "  → <fix>", see emulator/cli.ExitMessage)
// when it said them, else the end of its log.
func (p *Provider) exitError() error {
	lines := tailLines(p.LogFile(), 8)
	cause, fix := "", ""
	for i, line := range lines {
		if c, ok := strings.CutPrefix(line, "awsemu: "); ok {
			cause, fix = c, ""
			if i+1 < len(lines) {
				fix, _ = strings.CutPrefix(lines[i+1], "  → ")
			}
		}
	}
	logName := rel(p.o.Root, p.LogFile())
	switch {
	case cause != "" && fix != "":
		return status.WithFix(fmt.Errorf("the emulator exited during start-up: %s", cause), "%s, then `go tool mage up`", fix)
	case cause != "":
		return status.WithFix(fmt.Errorf("the emulator exited during start-up: %s", cause),
			"read %s; if the port is busy, stop what uses it or set AWS_ENDPOINT_URL to another port", logName)
	}
	return status.WithFix(fmt.Errorf("the emulator exited during start-up:\n%s", tail(p.LogFile(), 8)),
		"read %s; if the port is busy, stop what uses it or set AWS_ENDPOINT_URL to another port", logName)
}

func tailLines(path string, n int) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

func tail(path string, n int) string {
	lines := tailLines(path, n)
	if lines == nil {
		return "(no log)"
	}
	return "  " + strings.Join(lines, "\n  ")
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	return nil
}

func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
