package trace_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/trace"
)

// serve runs one request through the recorder the way the router does,
// with handler playing API Gateway.
func serve(rec *trace.Recorder, method, target string, handler func(w http.ResponseWriter, t *trace.Trace)) *trace.Trace {
	req := httptest.NewRequest(method, target, nil)
	w, r, done := rec.Begin(trace.FormExecuteAPI, httptest.NewRecorder(), req)
	t := trace.FromContext(r.Context())
	handler(w, t)
	done()
	return t
}

func ok(w http.ResponseWriter, _ *trace.Trace) {
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{}`))
}

func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRingStaysBounded(t *testing.T) {
	rec := trace.New(trace.Options{Capacity: 5})
	var ids []string
	for i := range 12 {
		tr := serve(rec, "GET", fmt.Sprintf("/_aws/execute-api/a/s/r%d", i), func(w http.ResponseWriter, tr *trace.Trace) {
			tr.StartInvocation(fmt.Sprintf("req-%d", i), "fn", "arn:fn", "$LATEST", []byte(`{}`))
			ok(w, tr)
		})
		ids = append(ids, tr.ID())
	}
	recent := rec.Recent(0)
	if len(recent) != 5 || rec.Total() != 12 {
		t.Fatalf("ring holds %d traces of %d, want the last 5", len(recent), rec.Total())
	}
	for i, tr := range recent {
		if want := ids[11-i]; tr.ID() != want {
			t.Errorf("recent[%d] = %s, want %s (newest first)", i, tr.ID(), want)
		}
	}
	if _, found := rec.Get(ids[6]); found {
		t.Errorf("evicted trace %s still found", ids[6])
	}
	if _, found := rec.Get(ids[7]); !found {
		t.Errorf("trace %s in the ring not found", ids[7])
	}
	// An evicted trace's invocation no longer collects calls.
	if rec.Call("req-3", trace.Call{Service: "ec2", Action: "DescribeInstances"}) {
		t.Error("a call was attributed to an evicted trace's invocation")
	}
	if !rec.Call("req-11", trace.Call{Service: "ec2", Action: "DescribeInstances"}) {
		t.Error("a call of a live invocation was not attributed")
	}
}

func TestDisabledRecorderChangesNothing(t *testing.T) {
	rec := trace.New(trace.Options{Capacity: -1})
	if rec != nil {
		t.Fatal("a negative capacity should disable tracing")
	}
	req := httptest.NewRequest("GET", "/x", nil)
	rw := httptest.NewRecorder()
	w, r, done := rec.Begin(trace.FormHost, rw, req)
	if w != rw || r != req || trace.FromContext(r.Context()) != nil {
		t.Fatal("a disabled recorder wrapped the request")
	}
	done()
	var tr *trace.Trace
	tr.Matched(trace.Match{})
	tr.StartInvocation("id", "fn", "arn", "1", nil).Logged("x", 1)
	rec.StateChanged("id", trace.StateChange{InstanceID: "i-1", To: "stopping", SettlesTo: "stopped", SettlesAt: time.Now()})
	if rec.Call("id", trace.Call{}) || len(rec.Recent(10)) != 0 {
		t.Fatal("a disabled recorder recorded something")
	}
}

func TestRedaction(t *testing.T) {
	event := `{
	  "resource": "/stop", "httpMethod": "POST",
	  "headers": {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDSECRET1/x, Signature=sig1", "X-Api-Key": "key-secret-2",
	              "Cookie": "session=secret-3", "X-Amz-Security-Token": "secret-4", "Host": "localhost:4566"},
	  "multiValueHeaders": {"Authorization": ["Bearer secret-5", "Bearer secret-6"], "Accept": ["*/*"]},
	  "queryStringParameters": {"X-Amz-Signature": "secret-7", "id": "i-0abc"},
	  "requestContext": {"requestTimeEpoch": 1700000000123, "identity": {"apiKey": "secret-8", "accessKey": null, "sourceIp": "127.0.0.1"}},
	  "authorizationToken": "allow secret-9",
	  "stageVariables": {"api_key": "secret-12", "key": "secret-13", "Api-Key": "secret-14"}
	}`
	rec := trace.New(trace.Options{})
	tr := serve(rec, "POST", "/_aws/execute-api/a/s/stop?id=i-0abc&X-Amz-Credential=secret-10&X-Amz-Signature=secret-11", func(w http.ResponseWriter, tr *trace.Trace) {
		tr.StartInvocation("req", "fn", "arn", "$LATEST", []byte(event))
		ok(w, tr)
	})
	out := string(tr.JSON())
	for i := 1; i <= 14; i++ {
		if secret := fmt.Sprintf("secret-%d", i); strings.Contains(out, secret) {
			t.Errorf("%s leaked: %s", secret, out)
		}
	}
	if strings.Contains(out, "AKIDSECRET1") {
		t.Errorf("the Authorization header leaked: %s", out)
	}
	v := tr.View()
	var got struct {
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Query             map[string]string   `json:"queryStringParameters"`
		RequestContext    struct {
			RequestTimeEpoch json.Number    `json:"requestTimeEpoch"`
			Identity         map[string]any `json:"identity"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(v.Invocations[0].Event, &got); err != nil {
		t.Fatalf("redacted event is not JSON: %v", err)
	}
	for name, want := range map[string]string{
		"Authorization": trace.Redacted, "X-Api-Key": trace.Redacted, "Cookie": trace.Redacted,
		"X-Amz-Security-Token": trace.Redacted, "Host": "localhost:4566",
	} {
		if got.Headers[name] != want {
			t.Errorf("headers[%s] = %q, want %q", name, got.Headers[name], want)
		}
	}
	if a := got.MultiValueHeaders["Authorization"]; len(a) != 2 || a[0] != trace.Redacted || got.MultiValueHeaders["Accept"][0] != "*/*" {
		t.Errorf("multiValueHeaders = %v", got.MultiValueHeaders)
	}
	if got.Query["id"] != "i-0abc" || got.RequestContext.RequestTimeEpoch != "1700000000123" {
		t.Errorf("non-secret fields changed: %+v", got)
	}
	if id := got.RequestContext.Identity; id["accessKey"] != nil || id["sourceIp"] != "127.0.0.1" {
		t.Errorf("identity = %v, want null accessKey kept and sourceIp kept", id)
	}
	if q := v.Request.Query; q != "id=i-0abc&X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]" {
		t.Errorf("request query = %q", q)
	}
}

func TestLargeEventIsKeptWithoutItsBody(t *testing.T) {
	body := strings.Repeat("x", 200<<10)
	event, _ := json.Marshal(map[string]any{"path": "/upload", "body": body, "headers": map[string]string{"Authorization": "secret"}})
	rec := trace.New(trace.Options{})
	tr := serve(rec, "POST", "/_aws/execute-api/a/s/upload", func(w http.ResponseWriter, tr *trace.Trace) {
		tr.StartInvocation("req", "fn", "arn", "$LATEST", event)
		ok(w, tr)
	})
	out := tr.JSON()
	if len(out) > 16<<10 || !strings.Contains(string(out), "not kept") || !strings.Contains(string(out), `"path":"/upload"`) || strings.Contains(string(out), "secret") {
		t.Fatalf("large event rendered as %d bytes: %.300s", len(out), out)
	}
}

// waitFor reads the subscription until cond holds for the trace.
func waitFor(t *testing.T, sub *trace.Subscription, tr *trace.Trace, cond func(trace.View) bool) (trace.View, []trace.StateEvent) {
	t.Helper()
	ctx := deadline(t)
	var states []trace.StateEvent
	for {
		if v := tr.View(); cond(v) {
			return v, states
		}
		_, st, ok := sub.Next(ctx)
		if !ok {
			t.Fatalf("subscription ended before the trace did: %+v", tr.View())
		}
		states = append(states, st...)
	}
}

func TestTransitionsCompleteAfterTheResponse(t *testing.T) {
	for _, tt := range []struct {
		name  string
		state string // what the instance is in when the transition is due
		want  []string
	}{
		{"stops", "stopped", []string{"running → stopping", "stopping → stopped"}},
		{"terminated meanwhile", "shutting-down", []string{"running → stopping"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := trace.New(trace.Options{States: func(id string) (string, bool) { return tt.state, id == "i-1" }})
			t.Cleanup(rec.Close)
			sub := rec.Subscribe()
			defer sub.Close()
			var inv *trace.Invocation
			tr := serve(rec, "POST", "/_aws/execute-api/a/s/stop", func(w http.ResponseWriter, tr *trace.Trace) {
				inv = tr.StartInvocation("req-stop", "fn", "arn", "$LATEST", []byte(`{}`))
				now := time.Now()
				rec.StateChanged("req-stop", trace.StateChange{InstanceID: "i-1", From: "running", To: "stopping", At: now,
					Action: "StopInstances", SettlesTo: "stopped", SettlesAt: now.Add(100 * time.Millisecond)})
				ok(w, tr)
			})
			inv.Logged("START\nEND\n", 20)
			if v := tr.View(); v.Complete || len(v.Transitions) != 1 {
				t.Fatalf("trace complete before the instance stopped: %+v", v)
			}
			v, states := waitFor(t, sub, tr, func(v trace.View) bool { return v.Complete })
			var got []string
			for _, tr := range v.Transitions {
				got = append(got, tr.From+" → "+tr.To)
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("transitions = %v, want %v", got, tt.want)
			}
			if v.Transitions[0].Action != "StopInstances" || v.Transitions[0].AfterMs < 0 {
				t.Errorf("first transition = %+v", v.Transitions[0])
			}
			if len(states) == 0 || states[0].State != "stopping" {
				t.Errorf("state events = %+v, want stopping first", states)
			}
			if tt.state == "stopped" && (len(v.Transitions) < 2 || v.Transitions[1].AfterMs <= v.Response.LatencyMs) {
				t.Errorf("the stop completed at %+v, not after the response (%v ms)", v.Transitions, v.Response.LatencyMs)
			}
		})
	}
}

func TestInvocationTimingsAndCalls(t *testing.T) {
	rec := trace.New(trace.Options{})
	var inv *trace.Invocation
	tr := serve(rec, "POST", "/_aws/execute-api/a/s/stop", func(w http.ResponseWriter, tr *trace.Trace) {
		tr.Matched(trace.Match{API: "a", Stage: "s", Resource: "/stop", Method: "POST", Integration: "AWS_PROXY"})
		inv = tr.StartInvocation("req", "fn", "arn:fn", "$LATEST", []byte(`{}`))
		start := time.Now()
		rec.Call("req", trace.Call{Service: "ec2", Action: "StopInstances", Summary: "i-1", Status: 200, Start: start, Duration: 2 * time.Millisecond})
		inv.Ran(trace.Run{Sandbox: "sb-1", Cold: true, InitStart: start.Add(-5 * time.Millisecond), Init: 5*time.Millisecond + 100*time.Microsecond,
			HandlerStart: start, Handler: 3 * time.Millisecond})
		w.Header().Set("X-Amzn-ErrorType", "X")
		w.WriteHeader(502)
	})
	inv.Logged("START RequestId: req\nhello\nREPORT RequestId: req\n", 21)
	v := tr.View()
	iv := v.Invocations[0]
	if !iv.Cold || iv.Sandbox != "sb-1" || iv.InitMs != 5.1 || iv.HandlerMs != 3 || iv.BilledMs != 9 || iv.MaxMemoryMB != 21 || !iv.Done {
		t.Errorf("invocation = %+v", iv)
	}
	if len(iv.Calls) != 1 || iv.Calls[0].Action != "StopInstances" || iv.Calls[0].DurationMs != 2 {
		t.Errorf("calls = %+v", iv.Calls)
	}
	if len(iv.Logs) != 3 || iv.Logs[1] != "hello" {
		t.Errorf("logs = %q", iv.Logs)
	}
	if v.Response == nil || v.Response.Status != 502 || v.Response.ErrorType != "X" || !v.Complete {
		t.Errorf("response = %+v, complete %v", v.Response, v.Complete)
	}
}
