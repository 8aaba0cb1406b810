package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

func newManager(t testing.TB, cfg runtime.Config) *runtime.Manager {
	t.Helper()
	m := runtime.NewManager(cfg)
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

// function describes a function whose code is in dir.
func function(t testing.TB, name, dir string) runtime.Function {
	return runtime.Function{
		Name:     name,
		Version:  "$LATEST",
		ARN:      "arn:aws:lambda:us-east-1:000000000000:function:" + name,
		Runtime:  "provided.al2023",
		Handler:  "bootstrap",
		CodeDir:  dir,
		Revision: "1",
		Region:   "us-east-1",
		Timeout:  10 * time.Second,
		MemoryMB: 128,
		LogPath:  filepath.Join(t.TempDir(), "logs", name+".log"),
	}
}

func probeFunction(t testing.TB, name string) runtime.Function {
	t.Helper()
	return function(t, name, lambdatest.BuildDir(t, lambdatest.Probe))
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func invoke(t testing.TB, m *runtime.Manager, fn runtime.Function, cmd lambdatest.ProbeCommand) *runtime.Result {
	t.Helper()
	payload, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Invoke(ctx(t), fn, payload)
	if err != nil {
		t.Fatalf("invoke %s: %v", fn.Name, err)
	}
	return res
}

// invokeOK invokes and decodes a successful probe answer.
func invokeOK(t testing.TB, m *runtime.Manager, fn runtime.Function, cmd lambdatest.ProbeCommand) lambdatest.ProbeOutput {
	t.Helper()
	res := invoke(t, m, fn, cmd)
	if res.FunctionError != "" {
		t.Fatalf("invoke %s failed: %s %s", fn.Name, res.FunctionError, res.Payload)
	}
	var out lambdatest.ProbeOutput
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		t.Fatalf("decode probe output %q: %v", res.Payload, err)
	}
	if out.RequestID != res.RequestID {
		t.Fatalf("probe saw request id %q, result has %q", out.RequestID, res.RequestID)
	}
	return out
}

type awsError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// functionError asserts res is an Unhandled failure and decodes it.
func functionError(t testing.TB, res *runtime.Result) awsError {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q (payload %s), want Unhandled", res.FunctionError, res.Payload)
	}
	var e awsError
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("decode error payload %q: %v", res.Payload, err)
	}
	if e.ErrorType != res.ErrorType {
		t.Fatalf("payload errorType %q, Result.ErrorType %q", e.ErrorType, res.ErrorType)
	}
	return e
}

// alive reports whether pid exists (zombies included: kill(pid, 0) succeeds
// on them, so a reaped process reads as gone).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	if !alive(pid) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) // no /proc: assume running
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// eventuallyStopped waits (with backoff and a deadline) until pid is dead,
// reaped or a zombie of another parent.
func eventuallyStopped(t testing.TB, pid int) {
	t.Helper()
	b := retry.WithMaxDuration(10*time.Second, retry.WithCappedDuration(100*time.Millisecond, retry.NewExponential(5*time.Millisecond)))
	err := retry.Do(context.Background(), b, func(context.Context) error {
		if running(pid) {
			return retry.RetryableError(errors.New("still running"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("process %d still running", pid)
	}
}

// eventuallyGone waits (with backoff and a deadline) until pid is gone.
func eventuallyGone(t testing.TB, pid int) {
	t.Helper()
	b := retry.WithMaxDuration(10*time.Second, retry.WithCappedDuration(100*time.Millisecond, retry.NewExponential(5*time.Millisecond)))
	err := retry.Do(context.Background(), b, func(context.Context) error {
		if alive(pid) {
			return retry.RetryableError(errors.New("still alive"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("process %d still exists", pid)
	}
}

func readLog(t testing.TB, fn runtime.Function) string {
	t.Helper()
	b, err := os.ReadFile(fn.LogPath)
	if err != nil {
		t.Fatalf("read function log: %v", err)
	}
	return string(b)
}

// writeBootstrap writes a script bootstrap into a fresh directory.
func writeBootstrap(t testing.TB, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// waitForLog waits (with backoff and a deadline) until the function log
// contains s.
func waitForLog(t testing.TB, fn runtime.Function, s string) {
	t.Helper()
	b := retry.WithMaxDuration(20*time.Second, retry.WithCappedDuration(100*time.Millisecond, retry.NewExponential(5*time.Millisecond)))
	err := retry.Do(context.Background(), b, func(context.Context) error {
		if data, _ := os.ReadFile(fn.LogPath); !strings.Contains(string(data), s) {
			return retry.RetryableError(errors.New("not logged yet"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("function log never showed %q", s)
	}
}
