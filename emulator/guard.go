package emulator

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/perimeter"
	"github.com/apidriven/api-driven/emulator/store"
)

// guard wraps the router in the control port's perimeter, for the port ln
// got: the Host and Origin checks, and signatures when ln is reachable
// from other machines.
func (s *Server) guard(ln net.Listener) (http.Handler, error) {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("unexpected listen address %s: %w", ln.Addr(), err)
	}
	p := s.cfg.Perimeter
	p.IsStageURL = isStageURL
	p.Logger = s.log
	// Signatures are required beyond loopback, or when asked for.
	if !perimeter.IsLoopbackHost(host) {
		if !s.cfg.AllowRemote {
			return nil, perimeter.CheckControlAddr(ln.Addr().String(), false)
		}
		p.Remote = true
		s.log.Warn(perimeter.RemoteWarning(ln.Addr().String()))
	}
	if p.Remote && p.Verifier == nil {
		if len(s.cfg.Credentials) == 0 {
			return nil, errors.New("remote access (-allow-remote) needs credentials to check every call's signature against: set AWSEMU_CREDENTIALS=<access key id>:<secret access key> (and sign with them), or listen on 127.0.0.1 instead")
		}
		p.Verifier = remoteVerifier{s.verifier}
	}
	if p.Codespace.Name != "" {
		s.log.Info("accepting this Codespace's forwarded address for the AWS APIs", "host", p.Codespace.Host(port))
	}
	return perimeter.Control(s, p, port), nil
}

// isStageURL tells deployed APIs' invocations (any origin, any Host) from
// the AWS APIs.
func isStageURL(r *http.Request) bool {
	_, _, _, ok := executeTarget(r)
	return ok
}

// workDirs are where function logs go (cfg.WorkDir, else
// DataDir/lambda-work, else a temporary directory) and where function code
// is unpacked: the work dir too, unless functions run as a user who cannot
// reach it (a project under /root); their code then goes to a temporary
// directory, unpacked again from the store after a restart.
func (s *Server) workDirs(st *store.Store, user *runtime.User) (work, code string, err error) {
	work = s.cfg.WorkDir
	if work == "" && st.Persistent() {
		work = filepath.Join(st.Dir(), "lambda-work")
	}
	if work != "" && user.Reachable(work) {
		return work, "", nil
	}
	tmp, err := os.MkdirTemp("", "awsemu-")
	if err != nil {
		return "", "", fmt.Errorf("failed to create work dir: %w", err)
	}
	s.tempDir = tmp
	if user != nil {
		// Searchable, not listable, by the functions' user.
		if err := os.Chmod(tmp, 0o711); err != nil {
			return "", "", fmt.Errorf("failed to open work dir %s to %s: %w", tmp, user, err)
		}
	}
	if work == "" {
		return tmp, "", nil
	}
	s.log.Info("functions run as a user who cannot reach the work dir: their code is unpacked under a temporary directory",
		"user", user.String(), "work_dir", work, "code_dir", tmp)
	return work, tmp, nil
}

// functionUser is the user functions run as, with its groups; nil keeps
// the emulator's own.
func functionUser(cfg Config) (*runtime.User, error) {
	user, err := runtime.FunctionUser(cfg.FunctionUser)
	if err != nil || user == nil {
		return nil, err
	}
	if user.Groups, err = runtime.ResolveGroups(cfg.FunctionGroups); err != nil {
		return nil, err
	}
	return user, nil
}

// functionUserInfo is what /_localstack/info says of it, so that mage can
// tell whether a running emulator's functions may use the Docker socket.
func (s *Server) functionUserInfo() any {
	if s.functionUser == nil {
		return nil
	}
	return map[string]any{"uid": s.functionUser.UID, "gid": s.functionUser.GID, "groups": append([]uint32{}, s.functionUser.Groups...)}
}
