// Package mototest starts moto_server (a third-party AWS emulator, used
// only by tests as proof that our code speaks AWS and not just our own
// emulator) on a free port for one test.
package mototest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// Region is the region the configurations use.
const Region = emulatortest.Region

// Start runs moto_server until the test ends and returns its URL. The test
// is skipped when moto_server is not installed.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed (pip install 'moto[server]')")
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("failed to find a free port: %v", err)
	}
	logPath := filepath.Join(t.TempDir(), "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("failed to create moto log: %v", err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group: the pyenv shim may fork, and cleanup must take
	// the whole tree down.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("failed to start moto_server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		logFile.Close()
	})

	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	backoff := retry.WithCappedDuration(time.Second, retry.NewExponential(50*time.Millisecond))
	err = retry.Do(ctx, backoff, func(ctx context.Context) error {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("moto_server exited: %v", err)
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/moto-api/", nil)
		if err != nil {
			return err
		}
		resp, err := probe.Do(req)
		if err != nil {
			return retry.RetryableError(err)
		}
		resp.Body.Close()
		return nil
	})
	if err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("moto_server did not become ready at %s: %v\n%s", url, err, log)
	}
	return url
}

// AWSConfig is an SDK configuration for moto: the same static test
// credentials, single attempt and HTTP client as for the embedded emulator.
func AWSConfig(t testing.TB, endpoint string) aws.Config {
	t.Helper()
	return emulatortest.AWSConfig(t, endpoint)
}

// probe bounds each readiness request.
var probe = &http.Client{Timeout: 2 * time.Second}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("listener has no TCP address")
	}
	return addr.Port, nil
}
