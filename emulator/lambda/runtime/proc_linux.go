package runtime

import (
	"bufio"
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

// maxMemoryMB is the process's peak resident set (VmHWM), 0 if unknown.
func maxMemoryMB(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return (kb + 1023) / 1024
		}
	}
	return 0
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
