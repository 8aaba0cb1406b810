//go:build unix

package runtime

import (
	"errors"
	"os/exec"
	"syscall"
)

// supported reports whether functions can run natively on this host.
const supported = true

// setProcessGroup puts the child in its own process group so signals reach
// the whole tree it spawns (shell bootstraps, helpers).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup signals the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) {
	if pid > 0 {
		_ = syscall.Kill(-pid, sig)
	}
}

func isENOEXEC(err error) bool { return errors.Is(err, syscall.ENOEXEC) }
