//go:build !unix

package runtime

import (
	"io/fs"
	"os/exec"
)

func runAs(*exec.Cmd, *User) {}

func (u *User) canSearch(fs.FileInfo) bool { return true }
