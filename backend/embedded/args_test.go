package embedded

import (
	"slices"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/backend/probe"
)

// TestArgs: the options become the emulator's flags; the public port
// listens on loopback, on the chosen port (APIDRIVEN_PUBLIC_PORT, checked
// by the backend's settings) or beside the endpoint's port.
func TestArgs(t *testing.T) {
	for _, tt := range []struct {
		name          string
		o             Options
		want, notWant []string
	}{
		{name: "ec2 containers on", o: Options{EC2Containers: true}, want: []string{"-ec2-containers"}},
		{name: "ec2 containers off", notWant: []string{"-ec2-containers"}},
		{name: "remote opt-in", o: Options{AllowRemote: true}, want: []string{"-allow-remote"}},
		{name: "no remote by default", notWant: []string{"-allow-remote"}},
		{name: "public port beside 4566", want: []string{"-public-addr 127.0.0.1:4567"}},
		{name: "public port beside 4599", o: Options{Endpoint: "http://localhost:4599"}, want: []string{"-public-addr 127.0.0.1:4600"}},
		{name: "public port chosen", o: Options{PublicPort: "8080"}, want: []string{"-public-addr 127.0.0.1:8080"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.StateDir = t.TempDir()
			if tt.o.Endpoint == "" {
				tt.o.Endpoint = "http://localhost:4566"
			}
			args, err := New(tt.o).args("127.0.0.1:4566")
			if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(args, " ")
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("args %q lack %q", line, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(args, w) {
					t.Errorf("args %q hold %q", line, w)
				}
			}
		})
	}
	if _, err := New(Options{StateDir: t.TempDir(), Endpoint: "http://localhost:65535"}).args("127.0.0.1:65535"); err == nil || !strings.Contains(err.Error(), "no port follows 65535") {
		t.Fatalf("no port after 65535: %v", err)
	}
}

// TestEmulatorEnv: only what the emulator needs reaches it.
func TestEmulatorEnv(t *testing.T) {
	got := emulatorEnv([]string{
		"PATH=/usr/bin", "HOME=/home/me", "DOCKER_HOST=unix:///run/docker.sock", "AWSEMU_LOG_LEVEL=debug",
		"CODESPACE_NAME=fluffy", "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN=app.github.dev",
		"AWS_SECRET_ACCESS_KEY=real-secret", "GITHUB_TOKEN=ghp_x", "LOCALSTACK_AUTH_TOKEN=ls-x", "APIDRIVEN_BACKEND=embedded", "MY_PASSWORD=x",
	})
	want := []string{"PATH=/usr/bin", "HOME=/home/me", "DOCKER_HOST=unix:///run/docker.sock", "AWSEMU_LOG_LEVEL=debug",
		"CODESPACE_NAME=fluffy", "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN=app.github.dev"}
	if !slices.Equal(got, want) {
		t.Fatalf("emulatorEnv = %q, want %q", got, want)
	}
}

// TestArgsIAMModes: the IAM mode reaches the emulator as flags, each
// spelled out so that an inherited AWSEMU_* variable cannot change it.
func TestArgsIAMModes(t *testing.T) {
	for _, tt := range []struct {
		mode probe.IAMMode
		want []string
	}{
		{probe.IAMMode{}, []string{"-enforce-iam=false", "-iam-soft-mode=false"}},
		{probe.IAMMode{Enforce: true}, []string{"-enforce-iam=true", "-iam-soft-mode=false"}},
		{probe.IAMMode{Soft: true}, []string{"-enforce-iam=false", "-iam-soft-mode=true"}},
	} {
		args, err := New(Options{StateDir: t.TempDir(), Endpoint: "http://localhost:4566", IAM: tt.mode}).args("127.0.0.1:4566")
		if err != nil {
			t.Fatal(err)
		}
		for _, flag := range tt.want {
			if !slices.Contains(args, flag) {
				t.Errorf("IAM mode %s: args %q lack %s", tt.mode, args, flag)
			}
		}
	}
}
