//go:build unix

package embedded

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
)

// children are emulators started by this process: their exit must be seen
// through Wait, because an unreaped child still answers kill(pid, 0).
var children sync.Map // pid → chan struct{} closed on exit

func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

func track(cmd *exec.Cmd) <-chan struct{} {
	done := make(chan struct{})
	children.Store(cmd.Process.Pid, done)
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	return done
}

func alive(pid int) bool {
	if ch, ok := children.Load(pid); ok {
		select {
		case <-ch.(chan struct{}):
			return false
		default:
			return true
		}
	}
	err := syscall.Kill(pid, 0)
	return (err == nil || errors.Is(err, syscall.EPERM)) && !zombie(pid)
}

// zombie reports whether pid has exited but waits for its parent to reap
// it: an emulator started by an earlier mage run belongs to init (or a
// container's pid 1 that may never reap), and still answers kill(pid, 0).
// Only Linux tells through /proc; elsewhere the answer is false.
func zombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// isEmulator checks /proc where it exists (Linux); elsewhere the pid file
// plus a live process is the best evidence there is.
func isEmulator(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return !procExists()
	}
	exe, _, _ := bytes.Cut(cmdline, []byte{0})
	return bytes.HasSuffix(exe, []byte("awsemu"))
}

func procExists() bool {
	_, err := os.Stat("/proc/self/cmdline")
	return err == nil
}

func terminate(pid int) error { return ignoreGone(syscall.Kill(pid, syscall.SIGTERM)) }
func kill(pid int) error      { return ignoreGone(syscall.Kill(pid, syscall.SIGKILL)) }

func ignoreGone(err error) error {
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// socketGroup is the group owning a unix socket; ok is false when path is
// not one.
func socketGroup(path string) (gid uint32, ok bool) {
	st, err := os.Stat(path)
	if path == "" || err != nil || st.Mode()&os.ModeSocket == 0 {
		return 0, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return sys.Gid, true
}
