package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/trace"
)

func mux(rec *trace.Recorder) *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET "+trace.ListPath, rec.ServeList)
	m.HandleFunc("GET "+trace.ListPath+"/{id}", func(w http.ResponseWriter, r *http.Request) { rec.ServeTrace(w, r, r.PathValue("id")) })
	m.HandleFunc("GET "+trace.EventsPath, rec.ServeEvents)
	return m
}

func TestListAndOneTrace(t *testing.T) {
	rec := trace.New(trace.Options{Capacity: 3})
	srv := httptest.NewServer(mux(rec))
	t.Cleanup(srv.Close)
	var last *trace.Trace
	for range 4 {
		last = serve(rec, "GET", "/_aws/execute-api/a/s/status", ok)
	}
	c := trace.Client{Endpoint: srv.URL}
	l, err := c.Recent(deadline(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Enabled || l.Capacity != 3 || l.Total != 4 || len(l.Traces) != 2 || l.Traces[0].ID != last.ID() {
		t.Fatalf("list = %+v", l)
	}
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{trace.ListPath + "/" + last.ID(), 200, `"id":"` + last.ID() + `"`},
		{trace.ListPath + "/nope", 404, "keeps the last 3 requests"},
		{trace.ListPath + "?limit=zero", 400, "limit must be a positive integer"},
	} {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(body.String(), tt.want) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s = %d %s, want %d containing %q", tt.path, resp.StatusCode, body.String(), tt.status, tt.want)
		}
	}
}

func TestClientSaysWhenTheEndpointServesNoTraces(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, err := trace.Client{Endpoint: srv.URL}.Recent(deadline(t), 5)
	if !errors.Is(err, trace.ErrNotServed) {
		t.Fatalf("err = %v, want ErrNotServed", err)
	}
}

// TestEventStream follows the SSE stream with the client: a request's
// trace arrives, printed by the Follower once complete, and closing the
// recorder ends the stream.
func TestEventStream(t *testing.T) {
	rec := trace.New(trace.Options{})
	srv := httptest.NewServer(mux(rec))
	t.Cleanup(srv.Close)
	got := make(chan trace.View, 100)
	ended := make(chan error, 1)
	ctx := deadline(t)
	go func() {
		ended <- trace.Client{Endpoint: srv.URL}.Follow(ctx, func(v trace.View) { got <- v })
	}()
	// The stream may not be subscribed yet: send requests until one's
	// trace comes back.
	var out bytes.Buffer
	f := &trace.Follower{W: &out, Width: 100}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for done, seen := false, false; !done; {
		select {
		case <-tick.C:
			if !seen {
				serve(rec, "POST", "/_aws/execute-api/a/s/stop", ok)
			}
		case v := <-got:
			seen = true
			f.Show(v)
			done = v.Complete
		case <-ctx.Done():
			t.Fatal("no trace event arrived")
		}
	}
	if !strings.Contains(out.String(), "POST /_aws/execute-api/a/s/stop  → 200") {
		t.Errorf("follower printed:\n%s", out.String())
	}
	rec.Close()
	select {
	case err := <-ended:
		if err == nil || !strings.Contains(err.Error(), "closed the trace stream") {
			t.Errorf("Follow ended with %v", err)
		}
	case <-ctx.Done():
		t.Fatal("closing the recorder did not end the stream")
	}
}

func TestStateEventsAreStreamed(t *testing.T) {
	rec := trace.New(trace.Options{})
	t.Cleanup(rec.Close)
	srv := httptest.NewServer(mux(rec))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(deadline(t))
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+trace.EventsPath, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf) // the opening comment: subscribed
	if !strings.Contains(string(buf[:n]), "retry:") {
		t.Fatalf("stream opened with %q", buf[:n])
	}
	rec.StateChanged("", trace.StateChange{InstanceID: "i-9", From: "stopped", To: "pending", At: time.Now()})
	n, err = resp.Body.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	line := string(buf[:n])
	data, found := strings.CutPrefix(line, "event: state\ndata: ")
	var e trace.StateEvent
	if !found || json.Unmarshal([]byte(strings.TrimSpace(data)), &e) != nil || e.InstanceID != "i-9" || e.State != "pending" {
		t.Fatalf("state event = %q", line)
	}
}
