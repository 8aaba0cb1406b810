//go:build !linux

package runtime

const waitsWithoutReaping = false

// waitExited is a no-op where waitid(WNOWAIT) is unavailable; the group is
// then killed right after the leader is reaped.
func waitExited(int) {}

// procStatus is unknown without /proc.
type procStatus struct{}

func openProcStatus(int) procStatus { return procStatus{} }

func (procStatus) peakMemoryMB() int { return 0 }

func (procStatus) close() {}

// HideFromFunctions is a no-op where /proc and prctl do not exist.
func HideFromFunctions() error { return nil }
