//go:build unix

package runtime

import (
	"io/fs"
	"os/exec"
	"syscall"
)

// runAs makes cmd run as u, with only u.Groups as supplementary groups;
// switching from root to another uid also drops every capability.
func runAs(cmd *exec.Cmd, u *User) {
	if u == nil {
		return
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	groups := append([]uint32{}, u.Groups...) // never nil: nil would keep root's groups
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: groups}
}

func (u *User) canSearch(st fs.FileInfo) bool {
	perm := st.Mode().Perm()
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		switch {
		case sys.Uid == u.UID:
			return perm&0o100 != 0
		case sys.Gid == u.GID:
			return perm&0o010 != 0
		}
	}
	return perm&0o001 != 0
}
