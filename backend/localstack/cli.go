package localstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

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

func (p *Provider) cliCmd(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = p.o.Root
	cmd.Env = append(os.Environ(), "IMAGE_NAME="+p.o.Image)
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
	if fileExists(p.cliMarker()) && p.waitReady(ctx, nil) == nil {
		step.Done("already running, reusing it")
		return nil
	}
	if err := p.checkPortFree(ctx); err != nil {
		return step.Fail(err)
	}
	bin, err := p.cliPath()
	if err != nil {
		return step.Fail(err)
	}
	if out, err := p.cliCmd(ctx, bin, "start", "-d").CombinedOutput(); err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("`localstack start -d` failed: %w\n%s", err, out),
			"see the output above; if it mentions an auth token, see “LocalStack exits with code 55” in docs/troubleshooting.md"))
	}
	if err := os.WriteFile(p.cliMarker(), nil, 0o644); err != nil {
		return step.Fail(fmt.Errorf("failed to write %s: %w", p.cliMarker(), err))
	}
	if err := p.waitReady(ctx, nil); err != nil {
		return step.Fail(status.WithFix(err, "see `%s logs`; exit code 55 means an auth token is required: pin LOCALSTACK_IMAGE=%s or set LOCALSTACK_AUTH_TOKEN", bin, DefaultImage))
	}
	step.Done("running at " + p.o.Endpoint)
	return nil
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
	if out, err := exec.CommandContext(ctx, pip, "install", "--quiet", "localstack").CombinedOutput(); err != nil {
		return step.Fail(status.WithFix(fmt.Errorf("failed to pip install localstack: %w\n%s", err, out),
			"this needs access to PyPI; offline, use APIDRIVEN_BACKEND=embedded"))
	}
	step.Done("installed")
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
