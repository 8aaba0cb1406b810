package embedded

import (
	"slices"
	"testing"
)

// TestArgsEC2Containers: APIDRIVEN_EC2_CONTAINERS=1 starts the emulator in
// container mode; anything else does not.
func TestArgsEC2Containers(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want bool
	}{{"1", true}, {"true", true}, {"", false}, {"0", false}} {
		t.Setenv("APIDRIVEN_EC2_CONTAINERS", tt.env)
		p := New(Options{StateDir: t.TempDir()})
		if got := slices.Contains(p.args("127.0.0.1:4566"), "-ec2-containers"); got != tt.want {
			t.Errorf("APIDRIVEN_EC2_CONTAINERS=%q: -ec2-containers passed = %v, want %v", tt.env, got, tt.want)
		}
	}
}
