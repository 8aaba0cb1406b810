package embedded

import (
	"slices"
	"testing"
)

// TestArgsEC2Containers: the EC2 container mode starts the emulator with
// -ec2-containers; without it, the flag is absent.
func TestArgsEC2Containers(t *testing.T) {
	for _, on := range []bool{true, false} {
		p := New(Options{StateDir: t.TempDir(), EC2Containers: on})
		if got := slices.Contains(p.args("127.0.0.1:4566"), "-ec2-containers"); got != on {
			t.Errorf("EC2Containers=%v: -ec2-containers passed = %v", on, got)
		}
	}
}

// TestArgsIAMModes: LocalStack's ENFORCE_IAM and IAM_SOFT_MODE reach the
// emulator as flags.
func TestArgsIAMModes(t *testing.T) {
	for _, tt := range []struct {
		enforce, soft string
		want          []string
	}{{"1", "", []string{"-enforce-iam"}}, {"", "true", []string{"-iam-soft-mode"}}, {"0", "", nil}} {
		t.Setenv("ENFORCE_IAM", tt.enforce)
		t.Setenv("IAM_SOFT_MODE", tt.soft)
		args := New(Options{StateDir: t.TempDir()}).args("127.0.0.1:4566")
		for _, flag := range []string{"-enforce-iam", "-iam-soft-mode"} {
			if got, want := slices.Contains(args, flag), slices.Contains(tt.want, flag); got != want {
				t.Errorf("ENFORCE_IAM=%q IAM_SOFT_MODE=%q: %s passed = %v, want %v", tt.enforce, tt.soft, flag, got, want)
			}
		}
	}
}
