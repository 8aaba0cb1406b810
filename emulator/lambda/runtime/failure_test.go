package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

func TestTimeoutKillsTheProcess(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "timeout")
	fn.Timeout = time.Second
	before := invokeOK(t, m, fn, lambdatest.ProbeCommand{})

	res := invoke(t, m, fn, lambdatest.ProbeCommand{Log: "sleeping", SleepMs: 60_000})
	e := functionError(t, res)
	want := fmt.Sprintf("RequestId: %s Error: Task timed out after 1.00 seconds", res.RequestID)
	if e.ErrorType != "Sandbox.Timedout" || e.ErrorMessage != want {
		t.Errorf("error = %+v, want Sandbox.Timedout %q", e, want)
	}
	if alive(before.Pid) {
		t.Errorf("timed-out pid %d is still running", before.Pid)
	}
	if !strings.Contains(res.LogTail, res.RequestID+" Task timed out after 1.00 seconds\n") {
		t.Errorf("tail lacks the timeout line:\n%s", res.LogTail)
	}
	if after := invokeOK(t, m, fn, lambdatest.ProbeCommand{}); after.Pid == before.Pid {
		t.Errorf("invoke after a timeout reused pid %d", after.Pid)
	}
}

func TestInitError(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "initerr")
	fn.Env = map[string]string{"PROBE_INIT_ERROR": "config missing"}
	res := invoke(t, m, fn, lambdatest.ProbeCommand{})
	if e := functionError(t, res); e.ErrorType != "ProbeInitError" || e.ErrorMessage != "config missing" {
		t.Errorf("error = %+v", e)
	}
	if !strings.Contains(res.LogTail, "init failed: config missing") {
		t.Errorf("tail lacks the init output:\n%s", res.LogTail)
	}
}

func TestExitDuringInit(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := function(t, "initexit", writeBootstrap(t, "#!/bin/sh\necho cannot start >&2\nexit 3\n"))
	res := invoke(t, m, fn, lambdatest.ProbeCommand{})
	e := functionError(t, res)
	if e.ErrorType != "Runtime.ExitError" || !strings.HasSuffix(e.ErrorMessage, "Error: Runtime exited with error: exit status 3") {
		t.Errorf("error = %+v", e)
	}
	if !strings.Contains(res.LogTail, "cannot start") {
		t.Errorf("tail lacks the output:\n%s", res.LogTail)
	}
}

func TestInitTimeout(t *testing.T) {
	m := newManager(t, runtime.Config{InitTimeout: 300 * time.Millisecond})
	fn := function(t, "initslow", writeBootstrap(t, "#!/bin/sh\nexec sleep 60\n"))
	if e := functionError(t, invoke(t, m, fn, lambdatest.ProbeCommand{})); e.ErrorType != "Sandbox.Timedout" {
		t.Errorf("error = %+v", e)
	}
}

func TestMissingBootstrap(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := function(t, "nocode", t.TempDir())
	res := invoke(t, m, fn, lambdatest.ProbeCommand{})
	e := functionError(t, res)
	want := fmt.Sprintf("RequestId: %s Error: Couldn't find valid bootstrap(s): [%s]", res.RequestID, filepath.Join(fn.CodeDir, "bootstrap"))
	if e.ErrorType != "Runtime.InvalidEntrypoint" || e.ErrorMessage != want {
		t.Errorf("error = %+v, want %q", e, want)
	}
	if log := readLog(t, fn); !strings.Contains(log, want) || !strings.Contains(log, "END RequestId: "+res.RequestID) {
		t.Errorf("function log:\n%s", log)
	}
}

func TestWrongArchitecture(t *testing.T) {
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[goruntime.GOARCH]
	if other == "" {
		t.Skipf("no foreign architecture chosen for %s", goruntime.GOARCH)
	}
	m := newManager(t, runtime.Config{})
	dir := lambdatest.UnpackZip(t, lambdatest.BuildFunctionFor(t, lambdatest.Echo, goruntime.GOOS, other))
	res := invoke(t, m, function(t, "foreign", dir), lambdatest.ProbeCommand{})
	e := functionError(t, res)
	want := fmt.Sprintf("bootstrap is a %s/%s executable but this emulator runs functions natively on %s/%s: rebuild with GOOS=%s GOARCH=%s",
		goruntime.GOOS, other, goruntime.GOOS, goruntime.GOARCH, goruntime.GOOS, goruntime.GOARCH)
	if e.ErrorType != "Runtime.InvalidEntrypoint" || !strings.HasSuffix(e.ErrorMessage, want) {
		t.Errorf("error = %+v, want …%q", e, want)
	}

	// The same code for another OS is named too.
	otherOS := map[string]string{"linux": "darwin", "darwin": "linux"}[goruntime.GOOS]
	dir = lambdatest.UnpackZip(t, lambdatest.BuildFunctionFor(t, lambdatest.Echo, otherOS, goruntime.GOARCH))
	e = functionError(t, invoke(t, m, function(t, "foreignos", dir), lambdatest.ProbeCommand{}))
	if !strings.Contains(e.ErrorMessage, "bootstrap is a "+otherOS+"/"+goruntime.GOARCH+" executable") {
		t.Errorf("error = %+v", e)
	}
}

func TestUnknownExecutableFormat(t *testing.T) {
	m := newManager(t, runtime.Config{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("\x01\x02\x03\x04 not a program"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := functionError(t, invoke(t, m, function(t, "garbage", dir), lambdatest.ProbeCommand{}))
	if e.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(e.ErrorMessage, "exec format error") {
		t.Errorf("error = %+v", e)
	}
}

func TestNonExecutableBootstrap(t *testing.T) {
	m := newManager(t, runtime.Config{})
	dir := writeBootstrap(t, "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "bootstrap"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := functionError(t, invoke(t, m, function(t, "noexec", dir), lambdatest.ProbeCommand{}))
	if e.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(e.ErrorMessage, "permission denied") {
		t.Errorf("error = %+v", e)
	}
}

func TestCancelledInvokeReturnsWhileFunctionRuns(t *testing.T) {
	m := newManager(t, runtime.Config{MaxProcsPerFunction: 1})
	fn := probeFunction(t, "cancel")
	warm := invokeOK(t, m, fn, lambdatest.ProbeCommand{})

	c, cancel := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() {
		_, err := m.Invoke(c, fn, []byte(`{"log":"sleeper running","sleepMs":2000}`))
		returned <- err
	}()
	waitForLog(t, fn, "sleeper running")
	cancel()
	if err := <-returned; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled invoke returned %v", err)
	}
	// Returned before the function finished: its END is not logged yet.
	if n := strings.Count(readLog(t, fn), "END RequestId:"); n != 1 {
		t.Errorf("%d invocations ended when the cancelled invoke returned, want 1", n)
	}
	// The process finishes the abandoned invocation and is reused.
	if after := invokeOK(t, m, fn, lambdatest.ProbeCommand{}); after.Pid != warm.Pid {
		t.Errorf("cancelling an invocation replaced the process")
	}
	if n := strings.Count(readLog(t, fn), "END RequestId:"); n != 3 {
		t.Errorf("%d invocations logged END, want 3", n)
	}
}

func TestQueuedInvokeRespectsContext(t *testing.T) {
	m := newManager(t, runtime.Config{MaxProcsPerFunction: 1})
	fn := probeFunction(t, "queuectx")
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		_, _ = m.Invoke(ctx(t), fn, []byte(`{"log":"holding the only slot","sleepMs":2000}`))
	}()
	waitForLog(t, fn, "holding the only slot")
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := m.Invoke(c, fn, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued invoke returned %v, want deadline exceeded", err)
	}
	<-busy
	if n := strings.Count(readLog(t, fn), "START RequestId:"); n != 1 {
		t.Errorf("%d invocations started, want only the sleeper", n)
	}
}
