package embedded

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/emulator/perimeter"
	"github.com/apidriven/api-driven/internal/status"
)

// PublicPort is the emulator's public data-plane port, which serves the
// stage URLs and nothing else: chosen (APIDRIVEN_PUBLIC_PORT, checked by
// the backend's settings), else the endpoint's port + 1 (4567 beside 4566).
func PublicPort(endpoint, chosen string) (string, error) {
	if chosen != "" {
		return chosen, nil
	}
	_, port, err := probe.HostPort(endpoint)
	if err != nil {
		return "", err
	}
	n, _ := strconv.Atoi(port)
	if n <= 0 || n >= 65535 {
		return "", status.WithFix(fmt.Errorf("no port follows %s for the public port", port), "set APIDRIVEN_PUBLIC_PORT to a free port")
	}
	return strconv.Itoa(n + 1), nil
}

// PublicEndpoint is the base URL of the public port on this machine.
func (p *Provider) PublicEndpoint() string {
	port, err := PublicPort(p.o.Endpoint, p.o.PublicPort)
	if err != nil {
		return ""
	}
	return "http://localhost:" + port
}

// checkRemote refuses, before anything starts, a listen address beyond
// loopback without the opt-in.
func (p *Provider) checkRemote(addr string) error {
	host, port, _ := net.SplitHostPort(addr)
	if p.o.AllowRemote || perimeter.IsLoopbackHost(host) {
		return nil
	}
	return status.WithFix(fmt.Errorf("AWS_ENDPOINT_URL=%s would make the emulator listen on %s, reachable from other machines: its AWS APIs create and run native code on this machine", p.o.Endpoint, addr),
		"use AWS_ENDPOINT_URL=http://localhost:%s; or, on purpose, APIDRIVEN_ALLOW_REMOTE=1 AWSEMU_CREDENTIALS=<access key id>:<secret> (every AWS API call must then be signed with them; mage does)", port)
}

// keptEnv are the variables the emulator needs; nothing else of the
// caller's environment reaches it (and so its functions): no cloud
// credentials, tokens or other secrets of the shell that ran mage.
var keptEnv = []string{
	"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL", "TZ", "XDG_RUNTIME_DIR",
	"DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY",
	"CODESPACE_NAME", "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN",
}

// emulatorEnv filters environ (KEY=value entries) down to keptEnv and the
// emulator's own AWSEMU_ settings.
func emulatorEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		key, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(key, "AWSEMU_") || slices.Contains(keptEnv, key) {
			out = append(out, kv)
		}
	}
	return out
}

// dockerSocket is the Docker engine's unix socket: DOCKER_HOST's when it
// names one, else the default; "" for an engine reached over TCP.
func dockerSocket() string {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		return "/var/run/docker.sock"
	}
	if path, ok := strings.CutPrefix(host, "unix://"); ok {
		return path
	}
	return ""
}

// functionDockerArgs let a root emulator's functions use the Docker
// engine, which the docker target's function drives: the socket's group
// joins theirs, or, for a socket of group root, they stay root
// (-function-user self). Nothing otherwise: they run as nobody.
func (p *Provider) functionDockerArgs() []string {
	if !p.o.DockerTarget || os.Geteuid() != 0 {
		return nil
	}
	gid, ok := socketGroup(dockerSocket())
	switch {
	case !ok:
		return nil // an engine over TCP, or none: nothing to grant
	case gid == 0:
		return []string{"-function-user", "self"}
	}
	return []string{"-function-groups", strconv.Itoa(int(gid))}
}

// functionsReachDocker reports whether a running emulator's functions
// have the access functionDockerArgs would give them.
func (p *Provider) functionsReachDocker(info probe.Info) bool {
	want := p.functionDockerArgs()
	switch {
	case len(want) == 0 || info.FunctionUser == nil:
		return true // nothing needed, or functions run as root
	case want[0] == "-function-user":
		return false
	}
	gid, _ := strconv.Atoi(want[1])
	return slices.Contains(info.FunctionUser.Groups, uint32(gid))
}
