//go:build !unix

package runtime

import (
	"os/exec"
	"syscall"
)

// supported reports whether functions can run natively on this host.
const supported = false

func setProcessGroup(*exec.Cmd)       {}
func signalGroup(int, syscall.Signal) {}
func isENOEXEC(error) bool            { return false }
