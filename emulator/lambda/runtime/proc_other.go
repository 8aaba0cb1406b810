//go:build !linux

package runtime

const waitsWithoutReaping = false

// waitExited is a no-op where waitid(WNOWAIT) is unavailable; the group is
// then killed right after the leader is reaped.
func waitExited(int) {}

// maxMemoryMB is unknown without /proc.
func maxMemoryMB(int) int { return 0 }

// HideFromFunctions is a no-op where /proc and prctl do not exist.
func HideFromFunctions() error { return nil }
