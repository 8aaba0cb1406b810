package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/internal/status"
)

// TestCurrentMessages: a failure is said once with its fix, and mage gets
// its first line only; Ctrl-C is one line, without the failing step's
// misleading fix.
func TestCurrentMessages(t *testing.T) {
	var out bytes.Buffer
	old := stdout
	stdout = &out
	t.Cleanup(func() { stdout = old })

	err := current(context.Background(), "install", func(p *Project) error {
		return p.Status.Start("localstack CLI").Fail(status.WithFix(errors.New("failed to pip install localstack==4.14.0: exit status 1\n  ERROR: No matching distribution"), "this needs access to PyPI"))
	})
	if err == nil || err.Error() != "localstack CLI: failed to pip install localstack==4.14.0: exit status 1" {
		t.Errorf("error for mage = %q, want its first line", err)
	}
	if got := strings.Count(out.String(), "ERROR: No matching distribution"); got != 1 {
		t.Errorf("pip's error printed %d times:\n%s", got, out.String())
	}

	out.Reset()
	ctx, cancel := context.WithCancel(context.Background())
	err = current(ctx, "all", func(p *Project) error {
		cancel() // Ctrl-C while go build runs: it dies of the signal
		return p.Status.Start("build emulator ./cmd/awsemu").Fail(status.WithFix(fmt.Errorf("failed to build the emulator: %w", errors.New("signal: killed")),
			"make sure Go 1.26 is installed"))
	})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err == nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "✗ all interrupted (Ctrl-C) during build emulator ./cmd/awsemu (") ||
		!strings.HasSuffix(lines[0], "stopped cleanly; `go tool mage all` carries on from there") || strings.Contains(out.String(), "Go 1.26") {
		t.Errorf("Ctrl-C printed:\n%s", out.String())
	}
}
