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
