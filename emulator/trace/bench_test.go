package trace_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/trace"
)

// discard is a ResponseWriter that keeps nothing, so that the benchmark
// measures the recorder alone.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkRequestPath is what tracing adds to one stage-URL request on
// its path (no subscriber): the trace, the match, the invocation and its
// timings; the log arrives off the path.
func BenchmarkRequestPath(b *testing.B) {
	rec := trace.New(trace.Options{})
	req := httptest.NewRequest("GET", "/_aws/execute-api/a/prod/status", nil)
	w := &discard{h: http.Header{}}
	event := []byte(`{"resource":"/status"}`)
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = "req-" + strconv.Itoa(i)
	}
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tw, r, done := rec.Begin(trace.FormExecuteAPI, w, req)
		tr := trace.FromContext(r.Context())
		tr.Matched(trace.Match{API: "a", Stage: "prod", Resource: "/status", Method: "GET", Integration: "AWS_PROXY"})
		inv := tr.StartInvocation(ids[i%len(ids)], "fn", "arn", "$LATEST", event)
		inv.Ran(trace.Run{Sandbox: "sb", HandlerStart: now, Handler: time.Millisecond})
		tw.WriteHeader(200)
		done()
		i++
	}
}
