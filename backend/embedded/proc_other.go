//go:build !unix

package embedded

import (
	"errors"
	"os/exec"
)

var errUnsupported = errors.New("the embedded backend runs on Linux and macOS (on Windows, use WSL or a Codespace)")

func detach(*exec.Cmd)                  {}
func track(*exec.Cmd) <-chan struct{}   { return make(chan struct{}) }
func alive(int) bool                    { return false }
func isEmulator(int) bool               { return false }
func terminate(int) error               { return errUnsupported }
func kill(int) error                    { return errUnsupported }
func socketGroup(string) (uint32, bool) { return 0, false }
