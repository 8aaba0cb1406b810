//go:build linux

package embedded

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/sethvargo/go-retry"
)

// An exited process nobody has reaped yet still answers kill(pid, 0); the
// emulator started by an earlier mage run is in that state once it exits,
// and must count as gone.
func TestExitedUnreapedProcessIsNotAlive(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait() // reap at the end, not before
	pid := cmd.Process.Pid
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := retry.Do(ctx, retry.NewConstant(5*time.Millisecond), func(context.Context) error {
		if !zombie(pid) {
			return retry.RetryableError(context.DeadlineExceeded)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("pid %d never showed as exited and unreaped", pid)
	}
	if alive(pid) {
		t.Fatalf("alive(%d) = true for an exited process", pid)
	}
}
