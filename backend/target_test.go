package backend

import (
	"strings"
	"testing"

	"github.com/apidriven/api-driven/internal/status"
)

func TestTargetSettings(t *testing.T) {
	for _, k := range []string{"APIDRIVEN_BACKEND", "AWS_ENDPOINT_URL", "APIDRIVEN_LAMBDA_ARCH", "APIDRIVEN_LOCALSTACK_INSTALL", "APIDRIVEN_UP_TIMEOUT", "DOCKER_HOST"} {
		t.Setenv(k, "")
	}
	t.Setenv("APIDRIVEN_TARGET", "")
	s, err := SettingsFromEnv(t.TempDir(), status.Discard())
	if err != nil || s.Target != "ec2" || localStackEnv(s) != nil {
		t.Fatalf("default target: %+v, %v", s.Target, err)
	}
	t.Setenv("APIDRIVEN_TARGET", "Docker")
	s, err = SettingsFromEnv(t.TempDir(), status.Discard())
	if err != nil || s.Target != "docker" {
		t.Fatalf("docker target: %q, %v", s.Target, err)
	}
	if got := localStackEnv(s); len(got) != 2 || got[0] != "LAMBDA_DOCKER_FLAGS=-v /var/run/docker.sock:/var/run/docker.sock" || got[1] != "LAMBDA_INIT_USER=root" {
		t.Errorf("LocalStack env %q", got)
	}
	t.Setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock")
	if got := localStackEnv(s); !strings.Contains(got[0], "-v /run/user/1000/docker.sock:/var/run/docker.sock") {
		t.Errorf("LocalStack env with DOCKER_HOST %q", got)
	}
	t.Setenv("APIDRIVEN_BACKEND", "aws")
	if _, err := SettingsFromEnv(t.TempDir(), status.Discard()); err == nil || !strings.Contains(status.FixOf(err), "APIDRIVEN_BACKEND=embedded") {
		t.Errorf("docker on aws: %v", err)
	}
	t.Setenv("APIDRIVEN_BACKEND", "")
	t.Setenv("APIDRIVEN_TARGET", "vm")
	if _, err := SettingsFromEnv(t.TempDir(), status.Discard()); err == nil || !strings.Contains(err.Error(), `unknown APIDRIVEN_TARGET "vm"`) {
		t.Errorf("unknown target: %v", err)
	}
}
