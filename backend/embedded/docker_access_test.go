//go:build unix

package embedded

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/backend/probe"
)

// TestFunctionDockerArgs: for the docker target, a root emulator's
// functions join the Docker socket's group (or stay root when the socket
// belongs to group root); never for the ec2 target, nor over TCP.
func TestFunctionDockerArgs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only a root emulator switches its functions' user")
	}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	for _, tt := range []struct {
		name       string
		docker     bool
		host       string
		gid        int
		want       string
		runningAs  *probe.FunctionUser
		reachAfter bool // functionsReachDocker for runningAs
	}{
		{"docker target", true, "unix://" + sock, 4242, "-function-groups 4242", &probe.FunctionUser{UID: 65534, Groups: []uint32{4242}}, true},
		{"running without the group", true, "unix://" + sock, 4242, "-function-groups 4242", &probe.FunctionUser{UID: 65534, Groups: []uint32{}}, false},
		{"socket of group root", true, "unix://" + sock, 0, "-function-user self", &probe.FunctionUser{UID: 65534}, false},
		{"functions already root", true, "unix://" + sock, 0, "-function-user self", nil, true},
		{"ec2 target", false, "unix://" + sock, 4242, "", &probe.FunctionUser{UID: 65534}, true},
		{"engine over TCP", true, "tcp://127.0.0.1:2375", 4242, "", &probe.FunctionUser{UID: 65534}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.Chown(sock, 0, tt.gid); err != nil {
				t.Fatal(err)
			}
			t.Setenv("DOCKER_HOST", tt.host)
			p := New(Options{StateDir: t.TempDir(), Endpoint: "http://localhost:4566", DockerTarget: tt.docker})
			args, err := p.args("127.0.0.1:4566")
			if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(args, " ")
			if tt.want != "" && !strings.Contains(line, tt.want) || tt.want == "" && (slices.Contains(args, "-function-groups") || slices.Contains(args, "-function-user")) {
				t.Errorf("args %q, want %q", line, tt.want)
			}
			if got := p.functionsReachDocker(probe.Info{FunctionUser: tt.runningAs}); got != tt.reachAfter {
				t.Errorf("functionsReachDocker(%+v) = %v, want %v", tt.runningAs, got, tt.reachAfter)
			}
		})
	}
}
