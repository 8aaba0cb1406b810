package runtime_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

func TestEnvironmentIsExactlyLambdas(t *testing.T) {
	t.Setenv("HOST_SECRET", "x")
	m := newManager(t, runtime.Config{})
	m.SetEndpointURL("http://127.0.0.1:4566")
	fn := probeFunction(t, "env")
	fn.MemoryMB = 256
	fn.Region = "eu-west-1"
	fn.Env = map[string]string{
		"DOCKER_HOST": "unix:///var/run/docker.sock",
		"TZ":          "Europe/Paris", // unreserved: the function may set it
		"AWS_REGION":  "us-west-2",    // reserved: Lambda's value wins
	}
	out := invokeOK(t, m, fn, lambdatest.ProbeCommand{Env: true})
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "env",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/env",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                fn.CodeDir,
		"LAMBDA_RUNTIME_DIR":              "/var/runtime",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_SESSION_TOKEN":               "test",
		"AWS_ENDPOINT_URL":                "http://127.0.0.1:4566",
		"TZ":                              "Europe/Paris",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"DOCKER_HOST":                     "unix:///var/run/docker.sock",
	}
	got := out.Env
	if api := got["AWS_LAMBDA_RUNTIME_API"]; !strings.HasPrefix(api, "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", api)
	}
	if s := got["AWS_LAMBDA_LOG_STREAM_NAME"]; !strings.Contains(s, "/[$LATEST]") {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", s)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && k != "AWS_LAMBDA_RUNTIME_API" && k != "AWS_LAMBDA_LOG_STREAM_NAME" {
			t.Errorf("unexpected variable %s=%q in the function environment", k, got[k])
		}
	}
	if _, leaked := got["HOST_SECRET"]; leaked {
		t.Error("host variable HOST_SECRET leaked into the function")
	}
	cwd, _ := filepath.EvalSymlinks(out.Cwd)
	root, _ := filepath.EvalSymlinks(fn.CodeDir)
	if cwd != root {
		t.Errorf("working directory %q, want %q", out.Cwd, fn.CodeDir)
	}
}

func TestFunctionCallsEndpointWithSDK(t *testing.T) {
	var auth string
	var mu sync.Mutex
	ec2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "DescribeInstances" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		auth = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
			`<reservationSet><item><reservationId>r-0abc</reservationId><instancesSet><item><instanceId>i-0123456789abcdef0</instanceId>` +
			`<instanceState><code>16</code><name>running</name></instanceState></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`))
	}))
	defer ec2.Close()
	m := newManager(t, runtime.Config{EndpointURL: ec2.URL})
	out := invokeOK(t, m, probeFunction(t, "caller"), lambdatest.ProbeCommand{EC2: &lambdatest.ProbeEC2Command{}})
	if len(out.Instances) != 1 || out.Instances[0] != (lambdatest.ProbeInstance{ID: "i-0123456789abcdef0", State: "running"}) {
		t.Errorf("instances = %+v", out.Instances)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(auth, "Credential=test/") || !strings.Contains(auth, "/us-east-1/ec2/aws4_request") {
		t.Errorf("request signed with %q, want the injected test credentials", auth)
	}
}

func TestRevisionChangeRetiresProcesses(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "revisions")
	v1 := invokeOK(t, m, fn, lambdatest.ProbeCommand{})
	fn.Revision = "2"
	v2 := invokeOK(t, m, fn, lambdatest.ProbeCommand{})
	if v2.Pid == v1.Pid {
		t.Fatal("a new revision ran in the old process")
	}
	eventuallyGone(t, v1.Pid)

	m.Evict(fn.ARN)
	eventuallyGone(t, v2.Pid)
	if v3 := invokeOK(t, m, fn, lambdatest.ProbeCommand{}); v3.Pid == v2.Pid {
		t.Error("invoke after Evict reused the evicted process")
	}
}

// The same name in two regions is two functions: each keeps its own warm
// process, and evicting one leaves the other alone.
func TestSameNameInTwoRegionsKeepsSeparateProcesses(t *testing.T) {
	m := newManager(t, runtime.Config{})
	east := probeFunction(t, "twin")
	west := east
	west.Region, west.ARN = "us-west-2", "arn:aws:lambda:us-west-2:000000000000:function:twin"
	e1, w1 := invokeOK(t, m, east, lambdatest.ProbeCommand{}), invokeOK(t, m, west, lambdatest.ProbeCommand{})
	if e1.Pid == w1.Pid {
		t.Fatal("two regions' functions shared a process")
	}
	if e2 := invokeOK(t, m, east, lambdatest.ProbeCommand{}); e2.Pid != e1.Pid {
		t.Fatal("us-east-1's warm process was replaced after us-west-2 ran")
	}
	m.Evict(west.ARN)
	eventuallyGone(t, w1.Pid)
	if e3 := invokeOK(t, m, east, lambdatest.ProbeCommand{}); e3.Pid != e1.Pid {
		t.Error("evicting us-west-2's function retired us-east-1's process")
	}
}

func TestIdleProcessesAreReaped(t *testing.T) {
	m := newManager(t, runtime.Config{IdleTimeout: 100 * time.Millisecond})
	fn := probeFunction(t, "idle")
	first := invokeOK(t, m, fn, lambdatest.ProbeCommand{})
	eventuallyGone(t, first.Pid)
	if again := invokeOK(t, m, fn, lambdatest.ProbeCommand{}); again.Pid == first.Pid {
		t.Error("reaped process answered")
	}
}

func TestCloseReapsEveryProcess(t *testing.T) {
	m := runtime.NewManager(runtime.Config{})
	fn := probeFunction(t, "closing")
	var pids []int
	for _, o := range parallel(t, m, fn, 3, 200) {
		pids = append(pids, o.Pid)
	}

	// A shell bootstrap that leaves a background grandchild which nothing
	// but a process-group kill ends, and runs the function as its child.
	dir := lambdatest.BuildDir(t, lambdatest.Probe)
	if err := os.Rename(filepath.Join(dir, "bootstrap"), filepath.Join(dir, "probe")); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nsleep 300 &\necho $! > \"$PID_FILE\"\n\"$LAMBDA_TASK_ROOT/probe\"\necho probe ended\n"
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	wrapped := function(t, "wrapped", dir)
	pidFile := filepath.Join(t.TempDir(), "sleep.pid")
	wrapped.Env = map[string]string{"PID_FILE": pidFile}
	child := invokeOK(t, m, wrapped, lambdatest.ProbeCommand{})
	pids = append(pids, child.Ppid) // the shell, our child
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	sleeper, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || !running(sleeper) || !running(child.Pid) {
		t.Fatalf("grandchildren not running before Close: sleep %q, probe %d", raw, child.Pid)
	}

	// And one invocation in flight.
	inflight := goInvoke(m, fn, `{"log":"in flight","sleepMs":30000}`)
	waitForLog(t, fn, "in flight")

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// Our children are reaped by the time Close returns (no zombies).
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("child pid %d survived Close (or is an unreaped zombie)", pid)
		}
	}
	// Grandchildren belong to init once orphaned: they must be dead, init
	// reaps them.
	eventuallyStopped(t, sleeper)
	eventuallyStopped(t, child.Pid)
	r := <-inflight
	if r.err == nil {
		if e := functionError(t, r.res); e.ErrorType != "Runtime.ExitError" {
			t.Errorf("in-flight invocation ended with %+v", e)
		}
	} else if !errors.Is(r.err, runtime.ErrClosed) {
		t.Errorf("in-flight invocation returned %v", r.err)
	}
	if _, err := m.Invoke(ctx(t), fn, []byte(`{}`)); !errors.Is(err, runtime.ErrClosed) {
		t.Errorf("invoke after Close = %v, want ErrClosed", err)
	}
}
