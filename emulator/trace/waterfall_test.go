package trace_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/trace"
)

func stopView() trace.View {
	return trace.View{
		ID: "x-1", Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Request: trace.RequestView{Method: "POST", Path: "/_aws/execute-api/k3x9/prod/stop", URLForm: trace.FormExecuteAPI},
		Match:   &trace.Match{API: "k3x9", APIName: "apidriven-api", Stage: "prod", Resource: "/stop", Method: "POST", Integration: "AWS_PROXY"},
		Invocations: []trace.InvocationView{{
			Function: "apidriven-ec2", Version: "$LATEST", Sandbox: "sb-1", Cold: true, StartMs: 0.5,
			InitStartMs: 0.6, InitMs: 5, HandlerStartMs: 5.6, HandlerMs: 4, BilledMs: 10, MaxMemoryMB: 21, Done: true,
			Logs:  []string{"START RequestId: r Version: $LATEST", "stopping i-0abc", "END RequestId: r", "REPORT RequestId: r\tDuration: 4.00 ms"},
			Calls: []trace.CallView{{Service: "ec2", Action: "StopInstances", Summary: "i-0abc", Status: 200, StartMs: 6, DurationMs: 1.5}},
		}},
		Transitions: []trace.TransitionView{
			{Transition: trace.Transition{InstanceID: "i-0abc", From: "running", To: "stopping"}, AfterMs: 7},
			{Transition: trace.Transition{InstanceID: "i-0abc", From: "stopping", To: "stopped"}, AfterMs: 1007},
		},
		Response: &trace.ResponseView{Status: 200, Bytes: 96, LatencyMs: 10.5},
		Complete: true,
	}
}

func TestWaterfallOneLinePerHop(t *testing.T) {
	var out bytes.Buffer
	trace.Waterfall(&out, stopView(), 100)
	text := out.String()
	for _, want := range []string{
		"POST /_aws/execute-api/k3x9/prod/stop  → 200 (96 B) in 10.5 ms",
		"matched POST /stop on API k3x9 (apidriven-api), stage prod, via /_aws/execute-api → AWS_PROXY",
		"API Gateway",
		"Lambda init (cold start)",
		"|  5.00 ms  sb-1",
		"handler apidriven-ec2 $LATEST",
		"billed 10 ms, 21 MB",
		"ec2 StopInstances",
		"200 i-0abc",
		"EC2 running → stopping",
		"EC2 stopping → stopped",
		"+1.01 s, after the response",
		"│ stopping i-0abc",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("waterfall lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "REPORT RequestId") {
		t.Errorf("runtime lines are shown as the function's log:\n%s", text)
	}
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("line of %d columns exceeds the width: %q", n, line)
		}
	}
}

func TestWaterfallSaysWhyNothingMatched(t *testing.T) {
	v := trace.View{
		Request:   trace.RequestView{Method: "GET", Path: "/_aws/execute-api/k3x9/prod/nope", URLForm: trace.FormExecuteAPI},
		Unmatched: "no resource matches /nope",
		Response:  &trace.ResponseView{Status: 403, ErrorType: "MissingAuthenticationTokenException", LatencyMs: 0.2},
	}
	var out bytes.Buffer
	trace.Waterfall(&out, v, 80)
	for _, want := range []string{"→ 403 MissingAuthenticationTokenException", "✗ nothing matched (/_aws/execute-api): no resource matches /nope"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("waterfall lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFollowerPrintsLateTransitions(t *testing.T) {
	v := stopView()
	v.Complete = false
	v.Transitions = v.Transitions[:1]
	var out bytes.Buffer
	f := &trace.Follower{W: &out, Width: 100}
	f.Show(v)
	f.Show(v) // no change: nothing printed
	first := out.Len()
	full := stopView()
	f.Show(full)
	late := out.String()[first:]
	if strings.Count(out.String(), "API Gateway") != 1 || !strings.Contains(late, "↳ POST /_aws/execute-api/k3x9/prod/stop: i-0abc stopping → stopped at +1.01 s") {
		t.Fatalf("follower printed:\n%s", out.String())
	}
}
