package runtime

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// waitsWithoutReaping: waitExited really waits on this platform.
const waitsWithoutReaping = true

// waitExited blocks until pid has exited without reaping it, so its pid
// (and thus its process-group id) cannot be reused while we kill the group.
func waitExited(pid int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// procStatus is a process's /proc/<pid>/status, opened once when it
// starts: every read at offset 0 renders it afresh (no open and close per
// invocation), and it can never describe another process that reuses the
// pid.
type procStatus struct{ f *os.File }

func openProcStatus(pid int) procStatus {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return procStatus{}
	}
	return procStatus{f}
}

// peakMemoryMB is the process's peak resident set (VmHWM), 0 if unknown
// (closed, or the process has exited).
func (p procStatus) peakMemoryMB() int {
	if p.f == nil {
		return 0
	}
	buf := make([]byte, 4096) // the whole file: VmHWM is in its first half
	n, _ := p.f.ReadAt(buf, 0)
	_, rest, ok := bytes.Cut(buf[:n], []byte("VmHWM:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(string(line)), "kB")))
	return (kb + 1023) / 1024
}

func (p procStatus) close() {
	if p.f != nil {
		_ = p.f.Close()
	}
}

// HideFromFunctions makes the calling process (the emulator) non-dumpable:
// processes of the same user, such as its functions, can then neither read
// its /proc/<pid>/environ, mem or fds nor ptrace it. Children are not
// affected (execve resets the flag).
func HideFromFunctions() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE, 0): %w", err)
	}
	return nil
}
