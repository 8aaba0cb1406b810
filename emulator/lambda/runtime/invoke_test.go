package runtime_test

import (
	"encoding/json"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

func TestWarmProcessIsReused(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "warm")

	first := invoke(t, m, fn, lambdatest.ProbeCommand{Log: "hello-first", Echo: json.RawMessage(`{"n":1}`)})
	second := invoke(t, m, fn, lambdatest.ProbeCommand{Log: "hello-second"})
	var out1, out2 lambdatest.ProbeOutput
	for _, c := range []struct {
		res *runtime.Result
		out *lambdatest.ProbeOutput
	}{{first, &out1}, {second, &out2}} {
		if c.res.FunctionError != "" {
			t.Fatalf("invoke failed: %s", c.res.Payload)
		}
		if err := json.Unmarshal(c.res.Payload, c.out); err != nil {
			t.Fatal(err)
		}
	}
	if out1.Pid != out2.Pid {
		t.Errorf("second invoke ran in pid %d, want the warm pid %d", out2.Pid, out1.Pid)
	}
	if string(out1.Echo) != `{"n":1}` {
		t.Errorf("echo = %s", out1.Echo)
	}
	if out1.FunctionARN != fn.ARN || out1.DeadlineMs == 0 {
		t.Errorf("context: arn %q deadline %d", out1.FunctionARN, out1.DeadlineMs)
	}
	if first.InitDuration <= 0 || second.InitDuration != 0 {
		t.Errorf("InitDuration cold %v warm %v: want >0 then 0", first.InitDuration, second.InitDuration)
	}

	// Each tail holds exactly its own invocation, in order.
	for _, c := range []struct {
		res        *runtime.Result
		own, other string
		init       bool
	}{{first, "hello-first", "hello-second", true}, {second, "hello-second", "hello-first", false}} {
		tail := c.res.LogTail
		start := strings.Index(tail, "START RequestId: "+c.res.RequestID+" Version: $LATEST\n")
		line := strings.Index(tail, c.own+"\n")
		end := strings.Index(tail, "END RequestId: "+c.res.RequestID+"\n")
		report := strings.Index(tail, "REPORT RequestId: "+c.res.RequestID+"\tDuration: ")
		if start != 0 || line < start || end < line || report < end {
			t.Errorf("tail out of order (start %d, line %d, end %d, report %d):\n%s", start, line, end, report, tail)
		}
		if strings.Contains(tail, c.other) {
			t.Errorf("tail of %s contains the other invocation's output:\n%s", c.own, tail)
		}
		if got := strings.Contains(tail, "\tInit Duration: "); got != c.init {
			t.Errorf("Init Duration in tail = %v, want %v:\n%s", got, c.init, tail)
		}
		if !strings.Contains(tail, "\tBilled Duration: ") || !strings.Contains(tail, "\tMemory Size: 128 MB\tMax Memory Used: ") {
			t.Errorf("REPORT line incomplete:\n%s", tail)
		}
		if goruntime.GOOS == "linux" && strings.Contains(tail, "\tMax Memory Used: 0 MB") {
			t.Errorf("REPORT line without the process's peak memory (VmHWM):\n%s", tail)
		}
	}
	log := readLog(t, fn)
	if !strings.HasPrefix(log, first.LogTail) || !strings.HasSuffix(log, second.LogTail) {
		t.Errorf("function log is not the two invocations' logs:\n%s", log)
	}
}

func TestParallelInvocationsScaleOut(t *testing.T) {
	const n = 10
	m := newManager(t, runtime.Config{MaxProcsPerFunction: n})
	fn := probeFunction(t, "scale")
	outs := parallel(t, m, fn, n, 300)
	pids := map[int]bool{}
	for _, o := range outs {
		pids[o.Pid] = true
	}
	if len(pids) != n {
		t.Errorf("%d parallel invocations ran in %d processes, want %d", n, len(pids), n)
	}
	if c := maxOverlap(outs); c != n {
		t.Errorf("at most %d invocations overlapped, want all %d", c, n)
	}
}

func TestInvocationsBeyondTheLimitQueue(t *testing.T) {
	m := newManager(t, runtime.Config{MaxProcsPerFunction: 2})
	fn := probeFunction(t, "queue")
	outs := parallel(t, m, fn, 6, 100)
	pids := map[int]bool{}
	for _, o := range outs {
		pids[o.Pid] = true
	}
	if len(pids) > 2 {
		t.Errorf("6 invocations used %d processes, limit is 2", len(pids))
	}
	if c := maxOverlap(outs); c > 2 {
		t.Errorf("%d invocations overlapped, limit is 2", c)
	}
}

// parallel runs n sleeping invocations at once.
func parallel(t *testing.T, m *runtime.Manager, fn runtime.Function, n, sleepMs int) []lambdatest.ProbeOutput {
	t.Helper()
	outs := make([]lambdatest.ProbeOutput, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = invokeOK(t, m, fn, lambdatest.ProbeCommand{SleepMs: sleepMs})
		}()
	}
	wg.Wait()
	return outs
}

// maxOverlap is the largest number of invocations running at one instant.
func maxOverlap(outs []lambdatest.ProbeOutput) int {
	best := 0
	for _, a := range outs {
		c := 0
		for _, b := range outs {
			if b.StartedMs <= a.StartedMs && a.StartedMs < b.EndedMs {
				c++
			}
		}
		best = max(best, c)
	}
	return best
}

func TestFunctionErrorKeepsTheProcess(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "errors")
	before := invokeOK(t, m, fn, lambdatest.ProbeCommand{})

	res := invoke(t, m, fn, lambdatest.ProbeCommand{Error: "boom"})
	if e := functionError(t, res); e.ErrorType != "errorString" || e.ErrorMessage != "boom" {
		t.Errorf("error = %+v, want errorString/boom", e)
	}
	res = invoke(t, m, fn, lambdatest.ProbeCommand{Error: "no such thing", ErrorType: "NotFound"})
	if e := functionError(t, res); e.ErrorType != "NotFound" || e.ErrorMessage != "no such thing" {
		t.Errorf("error = %+v, want NotFound", e)
	}
	if !strings.Contains(res.LogTail, "no such thing") {
		t.Errorf("tail lacks the runtime's error log:\n%s", res.LogTail)
	}
	if after := invokeOK(t, m, fn, lambdatest.ProbeCommand{}); after.Pid != before.Pid {
		t.Errorf("a handled error replaced the process (%d -> %d)", before.Pid, after.Pid)
	}
}

func TestPanicReportsAndRestarts(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "panics")
	before := invokeOK(t, m, fn, lambdatest.ProbeCommand{})
	res := invoke(t, m, fn, lambdatest.ProbeCommand{Panic: "kaboom"})
	if e := functionError(t, res); e.ErrorType != "string" || e.ErrorMessage != "kaboom" {
		t.Errorf("panic error = %+v", e)
	}
	// aws-lambda-go exits after reporting a panic: the next invoke must not
	// see that exit, it gets a fresh process.
	after := invokeOK(t, m, fn, lambdatest.ProbeCommand{})
	if after.Pid == before.Pid {
		t.Errorf("invocation after a panic ran in the exited pid %d", before.Pid)
	}
	eventuallyGone(t, before.Pid)
}

func TestCrashMidInvocation(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "crash")
	before := invokeOK(t, m, fn, lambdatest.ProbeCommand{})
	code := 2
	res := invoke(t, m, fn, lambdatest.ProbeCommand{Log: "about to exit", Exit: &code})
	e := functionError(t, res)
	want := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: exit status 2", res.RequestID)
	if e.ErrorType != "Runtime.ExitError" || e.ErrorMessage != want {
		t.Errorf("error = %+v, want Runtime.ExitError %q", e, want)
	}
	if alive(before.Pid) {
		t.Errorf("crashed pid %d still exists", before.Pid)
	}
	out := strings.Index(res.LogTail, "about to exit")
	end := strings.Index(res.LogTail, "END RequestId: "+res.RequestID)
	if out < 0 || end < out || !strings.Contains(res.LogTail, want) {
		t.Errorf("tail should show the output, the exit error, then END:\n%s", res.LogTail)
	}
	if after := invokeOK(t, m, fn, lambdatest.ProbeCommand{}); after.Pid == before.Pid {
		t.Errorf("next invoke reused the crashed pid")
	}
}

func TestAPIGatewayProxyEvent(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "proxy")
	body, _ := json.Marshal(lambdatest.ProbeCommand{StatusCode: 201, Headers: map[string]string{"X-Probe": "yes"}})
	event, _ := json.Marshal(events.APIGatewayProxyRequest{
		Resource: "/items/{id}", Path: "/items/42", HTTPMethod: "POST",
		Headers:               map[string]string{"Accept": "application/json"},
		QueryStringParameters: map[string]string{"q": "1"},
		PathParameters:        map[string]string{"id": "42"},
		Body:                  string(body),
		RequestContext:        events.APIGatewayProxyRequestContext{Stage: "prod", APIID: "abc123", RequestID: "r-1"},
	})
	res, err := m.Invoke(ctx(t), fn, event)
	if err != nil || res.FunctionError != "" {
		t.Fatalf("invoke: %v %s", err, res.Payload)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || resp.Headers["X-Probe"] != "yes" {
		t.Errorf("response = %+v", resp)
	}
	var out lambdatest.ProbeOutput
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatal(err)
	}
	ev := out.Event
	if ev == nil || ev.Path != "/items/42" || ev.HTTPMethod != "POST" || ev.PathParameters["id"] != "42" ||
		ev.QueryStringParameters["q"] != "1" || ev.Stage != "prod" || ev.Body != string(body) {
		t.Errorf("probe saw event %+v", ev)
	}
}

// BeforeStart prepares cold starts only: a warm process takes the next
// invocation without it, and a Result it returns ends the invocation
// without starting any process.
func TestBeforeStartRunsOnColdStartsOnly(t *testing.T) {
	m := newManager(t, runtime.Config{})
	fn := probeFunction(t, "before-start")
	payload, err := json.Marshal(lambdatest.ProbeCommand{Log: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	opts := runtime.InvokeOptions{BeforeStart: func(id string) (*runtime.Result, error) {
		ids = append(ids, id)
		return nil, nil
	}}
	var results []*runtime.Result
	for range 2 {
		res, err := m.InvokeWith(ctx(t), fn, payload, opts)
		if err != nil || res.FunctionError != "" {
			t.Fatalf("invoke: %v %s", err, res.Payload)
		}
		results = append(results, res)
	}
	if len(ids) != 1 || ids[0] != results[0].RequestID {
		t.Fatalf("BeforeStart ran for %v, want once, for the cold start %s", ids, results[0].RequestID)
	}

	refused := &runtime.Result{Payload: []byte(`{"errorType":"Runtime.InvalidEntrypoint"}`), FunctionError: "Unhandled", ErrorType: "Runtime.InvalidEntrypoint"}
	other := probeFunction(t, "refused")
	res, err := m.InvokeWith(ctx(t), other, payload, runtime.InvokeOptions{BeforeStart: func(string) (*runtime.Result, error) { return refused, nil }})
	if err != nil || res != refused {
		t.Fatalf("refused start: %+v, %v", res, err)
	}
	if again := invoke(t, m, other, lambdatest.ProbeCommand{}); again.InitDuration <= 0 {
		t.Fatalf("the next invocation was warm (InitDuration %v): a refused start must leave no process", again.InitDuration)
	}
}
