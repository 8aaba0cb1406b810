package workflow

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

func TestDockerFunctionEnv(t *testing.T) {
	t.Setenv("DOCKER_HOST", "")
	if env := dockerFunctionEnv("embedded", "io.github.apidriven.checkout=1a2b3c4d"); len(env) != 1 || env["CONTAINER_LABEL"] != "io.github.apidriven.checkout=1a2b3c4d" {
		t.Errorf("embedded without DOCKER_HOST: %v", env)
	}
	t.Setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock")
	if env := dockerFunctionEnv("embedded", "k=v"); env["DOCKER_HOST"] != "unix:///run/user/1000/docker.sock" {
		t.Errorf("embedded passes the user's DOCKER_HOST on: %v", env)
	}
	// In a LocalStack Lambda container the socket is mounted at the default path.
	if env := dockerFunctionEnv("localstack", "k=v"); env["DOCKER_HOST"] != "unix:///var/run/docker.sock" {
		t.Errorf("localstack: %v", env)
	}
}

func TestPreviousPort(t *testing.T) {
	noCodespace(t)
	p, _ := project(t)
	if got := p.previousPort("apidriven-web"); got != 0 {
		t.Errorf("without outputs: %d", got)
	}
	o := *sample
	o.Target, o.ContainerName, o.ContainerURL = provision.TargetDocker, "apidriven-web", "http://127.0.0.1:40123/"
	if err := p.writeOutputs(&o); err != nil {
		t.Fatal(err)
	}
	if got := p.previousPort("apidriven-web"); got != 40123 {
		t.Errorf("previousPort = %d, want 40123", got)
	}
	if got := p.previousPort("another"); got != 0 {
		t.Errorf("another container's port reused: %d", got)
	}
}

// Without an engine, the docker target fails at up with the fix, quickly.
func TestUpWithoutDockerEngine(t *testing.T) {
	noCodespace(t)
	t.Setenv("APIDRIVEN_TARGET", "docker")
	t.Setenv("APIDRIVEN_BACKEND", "embedded")
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	p, out := project(t)
	_, _, err := p.Up(context.Background())
	if err == nil || !strings.Contains(out.String(), "✗ docker engine") || !strings.Contains(status.FixOf(err), "APIDRIVEN_TARGET=ec2") {
		t.Fatalf("err %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "emulator") {
		t.Errorf("the emulator was started although the target cannot work:\n%s", out.String())
	}
}
