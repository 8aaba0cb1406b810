package trace

import (
	"encoding/json"
	"math"
	"strings"
	"time"
)

// View is a trace as the JSON endpoints serve it. Offsets (…StartMs,
// afterMs) are milliseconds since the request arrived.
type View struct {
	ID      string      `json:"id"`
	Seq     uint64      `json:"seq"`
	Time    time.Time   `json:"time"`
	Request RequestView `json:"request"`
	// Match is what API Gateway selected; nil with Unmatched saying why.
	Match       *Match           `json:"match"`
	Unmatched   string           `json:"unmatched,omitempty"`
	Notes       []string         `json:"notes,omitempty"`
	Invocations []InvocationView `json:"invocations"`
	Transitions []TransitionView `json:"transitions"`
	// Response is nil while the request is in flight.
	Response *ResponseView `json:"response"`
	// Complete is set once nothing more will be added: the response is
	// written, every invocation's log is in and every transition the
	// calls started has completed.
	Complete bool `json:"complete"`
}

// RequestView is the request line and the URL form it used.
type RequestView struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Query   string `json:"query,omitempty"` // credentials redacted
	Host    string `json:"host"`
	URLForm Form   `json:"urlForm"`
}

// InvocationView is one function invocation.
type InvocationView struct {
	RequestID   string  `json:"requestId"`
	Function    string  `json:"function"`
	FunctionARN string  `json:"functionArn"`
	Version     string  `json:"version"`
	Sandbox     string  `json:"sandbox,omitempty"`
	Cold        bool    `json:"cold"`
	StartMs     float64 `json:"startMs"`
	// InitStartMs and InitMs are the cold start's init phase (0 when warm).
	InitStartMs    float64 `json:"initStartMs,omitempty"`
	InitMs         float64 `json:"initMs,omitempty"`
	HandlerStartMs float64 `json:"handlerStartMs,omitempty"`
	HandlerMs      float64 `json:"handlerMs,omitempty"`
	BilledMs       int64   `json:"billedMs,omitempty"`
	MaxMemoryMB    int     `json:"maxMemoryMB,omitempty"`
	// Error is the function's error type, or why it could not run.
	Error string `json:"error,omitempty"`
	// Done is set once its log is in (just after the answer).
	Done bool `json:"done"`
	// Event is what the function received, credentials redacted.
	Event        json.RawMessage `json:"event"`
	Logs         []string        `json:"logs"`
	Calls        []CallView      `json:"calls"`
	CallsDropped int             `json:"callsDropped,omitempty"`
}

// CallView is one AWS call of an invocation.
type CallView struct {
	Service    string  `json:"service"`
	Action     string  `json:"action"`
	Summary    string  `json:"summary,omitempty"`
	Status     int     `json:"status"`
	ErrorCode  string  `json:"errorCode,omitempty"`
	StartMs    float64 `json:"startMs"`
	DurationMs float64 `json:"durationMs"`
}

// TransitionView is a state transition and when it happened.
type TransitionView struct {
	Transition
	AfterMs float64 `json:"afterMs"`
}

// ResponseView is what the client got.
type ResponseView struct {
	Status    int     `json:"status"`
	Bytes     int64   `json:"bytes"`
	ErrorType string  `json:"errorType,omitempty"`
	LatencyMs float64 `json:"latencyMs"`
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// View renders the trace as it is now.
func (t *Trace) View() View {
	v, _ := t.view()
	return v
}

// view renders the trace and says which version it rendered.
func (t *Trace) view() (View, uint64) {
	v := View{
		ID: t.id, Seq: t.seq, Time: t.start.UTC(),
		Request: RequestView{Method: t.method, Path: t.path, Query: redactQuery(t.query), Host: t.host, URLForm: t.form},
	}
	type pending struct {
		event []byte
		logs  string
	}
	var raw []pending
	t.mu.Lock()
	if t.matched {
		m := t.match
		v.Match = &m
	}
	v.Unmatched = t.unmatched
	v.Notes = append([]string(nil), t.notes...)
	complete := t.done && t.scheduled == 0
	v.Invocations = make([]InvocationView, 0, len(t.invocations))
	for _, inv := range t.invocations {
		complete = complete && inv.logged
		v.Invocations = append(v.Invocations, t.invocationLocked(inv))
		raw = append(raw, pending{inv.event, inv.logs})
	}
	v.Transitions = make([]TransitionView, 0, len(t.transitions))
	for _, tr := range t.transitions {
		v.Transitions = append(v.Transitions, TransitionView{Transition: tr, AfterMs: ms(tr.At.Sub(t.start))})
	}
	if t.done {
		v.Response = &ResponseView{Status: t.resp.status, Bytes: t.resp.bytes, ErrorType: t.resp.errorType, LatencyMs: ms(t.resp.latency)}
	}
	v.Complete = complete
	version := t.version
	t.mu.Unlock()
	// Outside the lock: the event and log are immutable once set.
	for i, p := range raw {
		v.Invocations[i].Event = redactEvent(p.event)
		v.Invocations[i].Logs = logLines(p.logs)
	}
	return v, version
}

func (t *Trace) invocationLocked(inv *Invocation) InvocationView {
	iv := InvocationView{
		RequestID: inv.requestID, Function: inv.function, FunctionARN: inv.arn, Version: inv.version,
		StartMs: ms(inv.start.Sub(t.start)), Error: inv.failure, MaxMemoryMB: inv.maxMem, Done: inv.logged,
		Calls: make([]CallView, 0, len(inv.calls)), CallsDropped: inv.dropped,
	}
	if inv.ran {
		r := inv.run
		iv.Sandbox, iv.Cold = r.Sandbox, r.Cold
		if r.Cold {
			iv.InitStartMs, iv.InitMs = ms(r.InitStart.Sub(t.start)), ms(r.Init)
		}
		if !r.HandlerStart.IsZero() {
			iv.HandlerStartMs = ms(r.HandlerStart.Sub(t.start))
		}
		iv.HandlerMs = ms(r.Handler)
		iv.BilledMs = int64((r.Init + r.Handler + time.Millisecond - 1) / time.Millisecond)
		if iv.Error == "" {
			iv.Error = r.ErrorType
		}
	}
	for _, c := range inv.calls {
		iv.Calls = append(iv.Calls, CallView{
			Service: c.Service, Action: c.Action, Summary: c.Summary, Status: c.Status, ErrorCode: c.ErrorCode,
			StartMs: ms(c.Start.Sub(t.start)), DurationMs: ms(c.Duration),
		})
	}
	return iv
}

// JSON is the trace's View as JSON, rendered once per change.
func (t *Trace) JSON() []byte {
	t.mu.Lock()
	if t.rendered != nil && t.renderedAt == t.version {
		b := t.rendered
		t.mu.Unlock()
		return b
	}
	t.mu.Unlock()
	v, version := t.view()
	b, err := json.Marshal(v)
	if err != nil { // plain data: cannot happen
		return []byte(`{"id":` + quote(t.id) + `,"error":"failed to render"}`)
	}
	t.mu.Lock()
	if version > t.renderedAt || t.rendered == nil {
		t.rendered, t.renderedAt = b, version
	}
	t.mu.Unlock()
	return b
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// logLines splits a log, keeping its order and dropping the final newline.
func logLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return []string{}
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}
