package provision

import (
	"encoding/json"
	"strings"
	"testing"
)

// The docker target: no instance in the function's environment, the
// container instead, and a role that grants nothing on EC2.
func TestDockerTargetConfig(t *testing.T) {
	cfg := Config{Target: TargetDocker, ContainerName: "apidriven-web",
		Env: map[string]string{"DOCKER_HOST": "unix:///run/user/1000/docker.sock", "TARGET": "ec2"}}.withDefaults("us-east-1")
	env := functionEnv(cfg, "")
	if env["TARGET"] != "docker" || env["CONTAINER_NAME"] != "apidriven-web" || env["DOCKER_HOST"] != "unix:///run/user/1000/docker.sock" {
		t.Errorf("env %v", env)
	}
	if _, ok := env["INSTANCE_ID"]; ok {
		t.Errorf("INSTANCE_ID set for the docker target: %v", env)
	}
	raw := controlPolicy(cfg, identity{Account: "111122223333", Partition: "aws"})
	if strings.Contains(raw, `"ec2:`) {
		t.Errorf("docker policy grants EC2: %s", raw)
	}
	var doc policyDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil || len(doc.Statement) != 1 || doc.Statement[0].Sid != "OwnLogs" {
		t.Errorf("docker policy %s (%v)", raw, err)
	}
	if def := (Config{}).withDefaults("us-east-1"); def.Target != TargetEC2 {
		t.Errorf("default target %q", def.Target)
	}
}

func TestValidateTarget(t *testing.T) {
	base := Config{Code: []byte("zip")}.withDefaults("us-east-1")
	for _, tc := range []struct {
		target, container, errHas string
	}{
		{"docker", "", "container's name"},
		{"vm", "", "unknown target"},
		{"docker", "apidriven-web", ""},
		{"ec2", "", ""},
	} {
		cfg := base
		cfg.Target, cfg.ContainerName = tc.target, tc.container
		err := validate(cfg, "us-east-1")
		if (err == nil) != (tc.errHas == "") || err != nil && !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("validate(%s, %q) = %v, want %q", tc.target, tc.container, err, tc.errHas)
		}
	}
}
