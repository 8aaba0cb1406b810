//go:build unix

package launcher

import (
	"os/exec"
	"syscall"
)

// ownGroup puts cmd (and what it starts, such as go build's compilers) in a
// process group of its own, out of the terminal's reach.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// stopGroup interrupts cmd's whole process group.
func stopGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
