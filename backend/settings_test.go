package backend

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/internal/sticky"
)

// TestRecordedSettings: what the last up or deploy recorded applies when
// the environment says nothing, the environment always wins, and a
// recorded value that contradicts an explicit one is dropped, never an
// error.
func TestRecordedSettings(t *testing.T) {
	keys := []string{"APIDRIVEN_BACKEND", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "APIDRIVEN_TARGET",
		"APIDRIVEN_EC2_CONTAINERS", "APIDRIVEN_LOCALSTACK_INSTALL", "APIDRIVEN_LAMBDA_ARCH", "APIDRIVEN_UP_TIMEOUT", "APIDRIVEN_TRANSITION_DELAY",
		"ENFORCE_IAM", "IAM_SOFT_MODE", "APIDRIVEN_PUBLIC_PORT"}
	tests := []struct {
		name     string
		rec      *sticky.Settings
		env      map[string]string
		want     Settings // Backend, Endpoint, Region, Target, EC2Containers, IAM, LocalStackCLI, PublicPort compared
		recorded []string
		errPart  string
	}{
		{name: "nothing recorded: defaults",
			want: Settings{Backend: "auto", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2"}},
		{name: "recorded values apply",
			rec:      &sticky.Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4599", Region: "eu-west-3", Target: "docker"},
			want:     Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4599", Region: "eu-west-3", Target: "docker"},
			recorded: []string{"AWS_ENDPOINT_URL", "AWS_REGION", "APIDRIVEN_TARGET"}},
		{name: "the environment wins",
			rec:  &sticky.Settings{Endpoint: "http://127.0.0.1:4599", Target: "docker", EC2Containers: true, LocalStackInstall: "cli"},
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4600", "APIDRIVEN_TARGET": "ec2", "APIDRIVEN_EC2_CONTAINERS": "0", "APIDRIVEN_LOCALSTACK_INSTALL": "docker"},
			want: Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4600", Region: "us-east-1", Target: "ec2"}},
		{name: "the EC2 container mode sticks",
			rec:      &sticky.Settings{Endpoint: "http://127.0.0.1:4599", EC2Containers: true},
			want:     Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4599", Region: "us-east-1", Target: "ec2", EC2Containers: true},
			recorded: []string{"AWS_ENDPOINT_URL", "APIDRIVEN_EC2_CONTAINERS"}},
		{name: "an endpoint drops a recorded aws backend",
			rec:  &sticky.Settings{Backend: "aws", Region: "eu-west-3"},
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4600"},
			want: Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4600", Region: "eu-west-3", Target: "ec2"}, recorded: []string{"AWS_REGION"}},
		{name: "aws drops a recorded endpoint, docker target and mode",
			rec:  &sticky.Settings{Endpoint: "http://127.0.0.1:4599", Target: "docker", EC2Containers: true},
			env:  map[string]string{"APIDRIVEN_BACKEND": "aws"},
			want: Settings{Backend: "aws", Region: "us-east-1", Target: "ec2"}},
		{name: "the EC2 container mode drops a recorded docker target and localstack",
			rec:  &sticky.Settings{Backend: "localstack", Target: "docker"},
			env:  map[string]string{"APIDRIVEN_EC2_CONTAINERS": "1"},
			want: Settings{Backend: "auto", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2", EC2Containers: true}},
		{name: "localstack drops a recorded EC2 container mode",
			rec:  &sticky.Settings{EC2Containers: true},
			env:  map[string]string{"APIDRIVEN_BACKEND": "localstack"},
			want: Settings{Backend: "localstack", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2"}},
		{name: "the CLI install sticks",
			rec:  &sticky.Settings{Backend: "localstack", LocalStackInstall: "cli"},
			want: Settings{Backend: "localstack", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2", LocalStackCLI: true}, recorded: []string{"APIDRIVEN_BACKEND", "APIDRIVEN_LOCALSTACK_INSTALL"}},
		{name: "the IAM mode sticks",
			rec:      &sticky.Settings{EnforceIAM: true, IAMSoftMode: true},
			want:     Settings{Backend: "auto", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2", IAM: probe.IAMMode{Enforce: true, Soft: true}},
			recorded: []string{"ENFORCE_IAM", "IAM_SOFT_MODE"}},
		{name: "ENFORCE_IAM=0 wins over the record",
			rec:  &sticky.Settings{EnforceIAM: true},
			env:  map[string]string{"ENFORCE_IAM": "0"},
			want: Settings{Backend: "auto", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2"}},
		{name: "localstack drops a recorded IAM mode",
			rec:  &sticky.Settings{EnforceIAM: true},
			env:  map[string]string{"APIDRIVEN_BACKEND": "localstack"},
			want: Settings{Backend: "localstack", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2"}},
		{name: "a bad IAM mode value", env: map[string]string{"ENFORCE_IAM": "strict"}, errPart: `invalid ENFORCE_IAM "strict"`},
		{name: "explicit contradictions are still errors",
			env: map[string]string{"APIDRIVEN_BACKEND": "localstack", "APIDRIVEN_EC2_CONTAINERS": "1"}, errPart: "needs this project's emulator"},
		{name: "a bad mode value", env: map[string]string{"APIDRIVEN_EC2_CONTAINERS": "maybe"}, errPart: `invalid APIDRIVEN_EC2_CONTAINERS "maybe"`},
		{name: "the public port sticks",
			rec:      &sticky.Settings{Endpoint: "http://127.0.0.1:4599", PublicPort: "4700"},
			want:     Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4599", Region: "us-east-1", Target: "ec2", PublicPort: "4700"},
			recorded: []string{"AWS_ENDPOINT_URL", "APIDRIVEN_PUBLIC_PORT"}},
		{name: "a new endpoint drops a recorded public port",
			rec:  &sticky.Settings{Endpoint: "http://127.0.0.1:4599", PublicPort: "4700"},
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4700"},
			want: Settings{Backend: "auto", Endpoint: "http://127.0.0.1:4700", Region: "us-east-1", Target: "ec2"}},
		{name: "localstack drops a recorded public port",
			rec:  &sticky.Settings{PublicPort: "4700"},
			env:  map[string]string{"APIDRIVEN_BACKEND": "localstack"},
			want: Settings{Backend: "localstack", Endpoint: "http://localhost:4566", Region: "us-east-1", Target: "ec2"}},
		{name: "a public port that is not a port", env: map[string]string{"APIDRIVEN_PUBLIC_PORT": "http"}, errPart: `invalid APIDRIVEN_PUBLIC_PORT "http"`},
		{name: "the AWS APIs' port is never the public one",
			env: map[string]string{"APIDRIVEN_PUBLIC_PORT": "4566"}, errPart: "APIDRIVEN_PUBLIC_PORT 4566 is the port of the AWS APIs (http://localhost:4566)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range keys {
				t.Setenv(k, tt.env[k])
			}
			root := t.TempDir()
			if tt.rec != nil {
				if err := sticky.Save(filepath.Join(root, ".apidriven"), *tt.rec); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			s, err := SettingsFromEnv(root, status.New(&out))
			if tt.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errPart) {
					t.Fatalf("err %v, want %q", err, tt.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := Settings{Backend: s.Backend, Endpoint: s.Endpoint, Region: s.Region, Target: s.Target, EC2Containers: s.EC2Containers, IAM: s.IAM, LocalStackCLI: s.LocalStackCLI, PublicPort: s.PublicPort}
			if got.Backend != tt.want.Backend || got.Endpoint != tt.want.Endpoint || got.Region != tt.want.Region || got.Target != tt.want.Target ||
				got.EC2Containers != tt.want.EC2Containers || got.IAM != tt.want.IAM || got.LocalStackCLI != tt.want.LocalStackCLI || got.PublicPort != tt.want.PublicPort {
				t.Errorf("settings = %+v, want %+v", got, tt.want)
			}
			gotRec, wantRec := slices.Sorted(slices.Values(s.Recorded)), slices.Sorted(slices.Values(tt.recorded))
			if !slices.Equal(gotRec, wantRec) {
				t.Errorf("recorded = %v, want %v", s.Recorded, tt.recorded)
			}
			line := "using the settings of the last deploy (.apidriven/settings.json)"
			if said := strings.Contains(out.String(), line); said != (len(tt.recorded) > 0) {
				t.Errorf("announced %v, want %v:\n%s", said, len(tt.recorded) > 0, out.String())
			}
			for _, k := range tt.recorded {
				if !strings.Contains(out.String(), k+"=") {
					t.Errorf("the announcement does not name %s:\n%s", k, out.String())
				}
			}
		})
	}
}

// A recorded file that cannot be read is ignored, saying so.
func TestRecordedSettingsUnreadable(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".apidriven"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sticky.Path(filepath.Join(root, ".apidriven")), []byte("{half"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s, err := SettingsFromEnv(root, status.New(&out))
	if err != nil || s.Endpoint != "http://localhost:4566" || !strings.Contains(out.String(), "ignoring the recorded settings") {
		t.Fatalf("settings %+v, err %v, out %s", s, err, out.String())
	}
}

// Save then Load round-trips, atomically (no temporary file left).
func TestStickyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := sticky.Settings{Backend: "embedded", Endpoint: "http://127.0.0.1:4599", Region: "us-east-1", Target: "docker", EC2Containers: true, EnforceIAM: true, PublicPort: "4700"}
	if err := sticky.Save(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := sticky.Load(dir)
	if err != nil || got != want {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
	if got, err := sticky.Load(t.TempDir()); err != nil || got != (sticky.Settings{}) {
		t.Errorf("missing file: %+v, %v", got, err)
	}
}

// The IAM mode and the public port are recorded for this project's
// emulator only: LocalStack reads its own ENFORCE_IAM and serves stage
// URLs on its one port, and AWS always enforces.
func TestStickyIAMModeOfOurEmulatorOnly(t *testing.T) {
	for backend, want := range map[string]bool{"auto": true, "embedded": true, "localstack": false, "aws": false} {
		s := Settings{Backend: backend, IAM: probe.IAMMode{Enforce: true, Soft: true}, PublicPort: "4700"}.Sticky()
		if s.EnforceIAM != want || s.IAMSoftMode != want || (s.PublicPort == "4700") != want {
			t.Errorf("backend %s records ENFORCE_IAM %v IAM_SOFT_MODE %v APIDRIVEN_PUBLIC_PORT %q, want them: %v", backend, s.EnforceIAM, s.IAMSoftMode, s.PublicPort, want)
		}
	}
}
