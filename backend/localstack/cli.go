package localstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
)

// The CLI way (APIDRIVEN_LOCALSTACK_INSTALL=cli): `localstack start -d`
// from a venv under .apidriven/ (or the PATH), the same image pinned
// through IMAGE_NAME.

func (p *Provider) venv() string      { return filepath.Join(p.o.StateDir, "localstack-venv") }
func (p *Provider) cliMarker() string { return filepath.Join(p.o.StateDir, "localstack-cli.started") }

func (p *Provider) cliPath() (string, error) {
	if bin := filepath.Join(p.venv(), "bin", "localstack"); fileExists(bin) {
		return bin, nil
	}
	if bin, err := exec.LookPath("localstack"); err == nil {
		return bin, nil
	}
	return "", status.WithFix(errors.New("the localstack CLI is not installed"),
		"run `APIDRIVEN_LOCALSTACK_INSTALL=cli go tool mage install` (creates a venv under .apidriven/), or unset APIDRIVEN_LOCALSTACK_INSTALL to use Docker directly")
}

// cliCmd runs the CLI on the pinned image, with its container named per
// checkout (MAIN_CONTAINER_NAME, which the CLI forwards and uses) and the
// environment the target needs (LAMBDA_INIT_USER and LAMBDA_DOCKER_FLAGS
// are forwarded to the container too).
func (p *Provider) cliCmd(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = p.o.Root
	cmd.Env = append(os.Environ(), "IMAGE_NAME="+p.o.Image, "MAIN_CONTAINER_NAME="+p.o.ContainerName)
	if p.o.AuthToken != "" {
		cmd.Env = append(cmd.Env, "LOCALSTACK_AUTH_TOKEN="+p.o.AuthToken)
	}
	cmd.Env = append(cmd.Env, p.o.ExtraEnv...)
	return cmd
}

func (p *Provider) upCLI(ctx context.Context) error {
	step := p.o.Status.Start("localstack CLI " + p.o.Image)
	if _, port, _ := probe.HostPort(p.o.Endpoint); port != "4566" {
		return step.Fail(status.WithFix(fmt.Errorf("the localstack CLI serves port 4566 only, but AWS_ENDPOINT_URL is %s", p.o.Endpoint),
			"unset AWS_ENDPOINT_URL, or unset APIDRIVEN_LOCALSTACK_INSTALL to start LocalStack through Docker on any port"))
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return step.Fail(err)
	}
	defer cli.Close()
	bin, err := p.cliPath()
	if err != nil {
		return step.Fail(err)
	}
	if fileExists(p.cliMarker()) {
		c, err := p.cliContainer(ctx, cli)
		if err != nil {
			return step.Fail(err)
		}
		why := "it stopped"
		if c != nil && c.State.Running {
			why = p.mismatch(c)
		}
		switch {
		case why == "":
			if err := p.waitReady(ctx, nil); err != nil {
				return step.Fail(err)
			}
			step.Done("already running (container " + p.o.ContainerName + "), reusing it")
			return nil
		case c == nil || !c.State.Running:
			_ = os.Remove(p.cliMarker()) // start afresh
		default:
			p.o.Status.Infof("LocalStack (container %s) runs without what this run needs (%s): restarting it", p.o.ContainerName, why)
			if out, err := p.cliCmd(ctx, bin, "stop").CombinedOutput(); err != nil {
				return step.Fail(fmt.Errorf("`localstack stop` failed: %w\n%s", err, out))
			}
			_ = os.Remove(p.cliMarker())
		}
	}
	if err := p.checkPortFree(ctx); err != nil {
		return step.Fail(err)
	}
	if err := p.startCLI(ctx, cli, bin); err != nil {
		return step.Fail(err)
	}
	step.Done("running at " + p.o.Endpoint + " (container " + p.o.ContainerName + ")")
	return nil
}

// startCLI runs `localstack start -d` and waits until LocalStack answers,
// watching the container meanwhile: it runs with --rm, so an exit (55
// when a token is required) is seen on the engine's event stream and
// reported at once, never after the whole ready timeout.
func (p *Provider) startCLI(ctx context.Context, cli *client.Client, bin string) error {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	exited := watchExit(wctx, cli, p.o.ContainerName, time.Now().Add(-time.Second))
	code := -1
	died := func() bool {
		select {
		case c, ok := <-exited:
			if ok {
				code = c
			}
			return ok
		default:
			return false
		}
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	cmd := p.cliCmd(wctx, bin, "start", "-d")
	go func() { out, err := cmd.CombinedOutput(); done <- result{out, err} }()
	finished := func(r result) error {
		if r.err != nil && !died() {
			return status.WithFix(fmt.Errorf("`localstack start -d` failed: %w\n%s", r.err, indentCLI(r.out)),
				"see the output above; if it mentions an auth token, see “LocalStack exits with code 55” in docs/troubleshooting.md")
		}
		return nil
	}
	select {
	case r := <-done:
		if err := finished(r); err != nil {
			return err
		}
	case c, ok := <-exited:
		if ok {
			code = c // the CLI may still wait for it: stop() ends it
		} else if err := finished(<-done); err != nil {
			return err
		}
	}
	if code >= 0 {
		return Exited(p.o.ContainerName, code, "  (the CLI runs LocalStack with --rm: its logs went with the container)")
	}
	if err := os.WriteFile(p.cliMarker(), nil, 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", p.cliMarker(), err)
	}
	return p.waitReady(ctx, func(context.Context) error {
		if died() {
			return Exited(p.o.ContainerName, code, "  (the CLI runs LocalStack with --rm: its logs went with the container)")
		}
		return nil
	})
}

// cliContainer inspects the CLI's container; nil when there is none.
func (p *Provider) cliContainer(ctx context.Context, cli *client.Client) (*container.InspectResponse, error) {
	res, err := cli.ContainerInspect(ctx, p.o.ContainerName, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to inspect container %s: %w", p.o.ContainerName, err)
	}
	c := res.Container
	if c.State == nil {
		c.State = &container.State{}
	}
	return &c, nil
}

func (p *Provider) downCLI(ctx context.Context) error {
	if !fileExists(p.cliMarker()) {
		p.o.Status.Infof("LocalStack was not started by this project, nothing to stop")
		return nil
	}
	step := p.o.Status.Start("localstack stop")
	bin, err := p.cliPath()
	if err != nil {
		return step.Fail(err)
	}
	if out, err := p.cliCmd(ctx, bin, "stop").CombinedOutput(); err != nil {
		return step.Fail(fmt.Errorf("`localstack stop` failed: %w\n%s", err, out))
	}
	_ = os.Remove(p.cliMarker())
	step.Done("stopped")
	return nil
}

func (p *Provider) installCLI(ctx context.Context) error {
	step := p.o.Status.Start("localstack CLI in " + rel(p.o.Root, p.venv()))
	if fileExists(filepath.Join(p.venv(), "bin", "localstack")) {
		step.Done("already there, nothing to do")
		return nil
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		return step.Fail(status.WithFix(errors.New("python3 is not installed"), "install Python 3 (with venv), or unset APIDRIVEN_LOCALSTACK_INSTALL to use Docker directly"))
	}
	if out, err := exec.CommandContext(ctx, py, "-m", "venv", p.venv()).CombinedOutput(); err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("failed to create the venv: %w\n%s", err, out), "install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv)"))
	}
	pip := filepath.Join(p.venv(), "bin", "pip")
	pkg := "localstack==" + CLIVersion(p.o.Image)
	// --retries 1: offline, pip gives up in seconds instead of retrying
	// for a minute; only its error lines are worth showing.
	if out, err := exec.CommandContext(ctx, pip, "install", "--quiet", "--retries", "1", "--timeout", "15", pkg).CombinedOutput(); err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("failed to pip install %s: %w\n%s", pkg, err, pipErrors(out)),
			"this needs access to PyPI; offline, use APIDRIVEN_BACKEND=embedded"))
	}
	step.Done("installed " + pkg)
	return nil
}

// CLIVersion is the CLI release matching image: its tag when it is a
// version (localstack/localstack:4.14.0 → 4.14.0), else the default
// image's. The CLI line released with the image is the one that starts it
// the same way (later lines ask for a token).
func CLIVersion(image string) string {
	_, tag, _ := strings.Cut(strings.TrimPrefix(image, "docker.io/"), ":")
	if tag != "" && tag[0] >= '0' && tag[0] <= '9' {
		return tag
	}
	_, tag, _ = strings.Cut(DefaultImage, ":")
	return tag
}

// pipErrors keeps pip's ERROR lines (offline, its retry warnings fill
// the screen), else its last lines.
func pipErrors(out []byte) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	var errs []string
	for _, l := range lines {
		if strings.HasPrefix(l, "ERROR:") {
			errs = append(errs, l)
		}
	}
	if len(errs) == 0 {
		errs = lines[max(0, len(lines)-5):]
	}
	return indentCLI([]byte(strings.Join(errs, "\n")))
}

func indentCLI(out []byte) string {
	s := strings.TrimRight(string(out), "\n")
	if s == "" {
		return "  (no output)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
