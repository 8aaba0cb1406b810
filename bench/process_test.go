package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	awsemuBin string
	buildErr  error
)

// buildAwsemu compiles cmd/awsemu once per test binary.
func buildAwsemu(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "awsemu-bench-")
		if err != nil {
			buildErr = err
			return
		}
		awsemuBin = filepath.Join(dir, "awsemu")
		out, err := exec.Command("go", "build", "-o", awsemuBin, "github.com/apidriven/api-driven/cmd/awsemu").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build cmd/awsemu: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return awsemuBin
}

// startAwsemu starts the built command on a free port and returns once its
// health endpoint answers; the readiness signal is the "ready on" line the
// command prints, so no polling is involved.
func startAwsemu(ctx context.Context, bin string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-log-level", "error")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, "", fmt.Errorf("awsemu printed no ready line: %w", err)
	}
	fields := strings.Fields(line)
	if len(fields) < 4 || fields[1] != "ready" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, "", fmt.Errorf("unexpected first line %q", line)
	}
	url := fields[3]
	resp, err := http.Get(url + "/_localstack/health")
	if err != nil {
		return nil, "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("health answered %d", resp.StatusCode)
	}
	return cmd, url, nil
}

// rssMB reads a process's resident set size from /proc (Linux only).
func rssMB(pid int) (float64, bool) { return procStatusMB(pid, "VmRSS:") }

// BenchmarkEmulatorStart measures the built awsemu command from exec to a
// healthy /_localstack/health, and its idle RSS. Targets: ≤ 50 ms, ≤ 40 MB.
func BenchmarkEmulatorStart(b *testing.B) {
	bin := buildAwsemu(b)
	var rss float64
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd, _, err := startAwsemu(ctx, bin)
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		b.StopTimer()
		if mb, ok := rssMB(cmd.Process.Pid); ok && mb > rss {
			rss = mb
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		cancel()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/start")
	if rss > 0 {
		b.ReportMetric(rss, "idle-RSS-MB")
	}
}
