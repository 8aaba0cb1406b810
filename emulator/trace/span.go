package trace

import (
	"net/http"
	"sync"
	"time"
)

// Trace is one stage-URL request. Its fields are set by the hops it crosses
// (the router, API Gateway, the Lambda runtime, the AWS-call observer, EC2)
// and read through View.
type Trace struct {
	rec   *Recorder
	seq   uint64
	id    string
	start time.Time
	form  Form
	// The request line, kept as net/http parsed it (no copy).
	method, path, query, host string
	rw                        responseWriter // embedded: no allocation of its own

	mu          sync.Mutex
	version     uint64 // bumped by every change
	match       Match
	matched     bool
	unmatched   string
	notes       []string
	invocations []*Invocation
	transitions []Transition
	scheduled   int // transitions due after now, not yet confirmed
	resp        response
	done        bool
	rendered    []byte // JSON of version renderedAt
	renderedAt  uint64
}

// Match is what API Gateway resolved the request to.
type Match struct {
	API         string `json:"api"`
	APIName     string `json:"apiName,omitempty"`
	Stage       string `json:"stage"`
	Resource    string `json:"resource"`
	Method      string `json:"method"`
	Integration string `json:"integration,omitempty"`
	// RequestID is API Gateway's x-amzn-RequestId for the call.
	RequestID string `json:"requestId,omitempty"`
}

type response struct {
	status    int
	bytes     int64
	errorType string
	latency   time.Duration
}

// ID is the trace's id, unique across emulator restarts.
func (t *Trace) ID() string {
	if t == nil {
		return ""
	}
	return t.id
}

// Matched records the API, stage, resource and method the request selected.
func (t *Trace) Matched(m Match) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.match, t.matched = m, true
	t.version++
	t.mu.Unlock()
	t.rec.notify(t)
}

// Unmatched records why no method of a deployed API matched.
func (t *Trace) Unmatched(reason string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.unmatched = reason
	t.version++
	t.mu.Unlock()
	t.rec.notify(t)
}

// Note records why API Gateway answered an error after matching (an
// authorizer's refusal, a malformed function answer, a timeout...).
func (t *Trace) Note(msg string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	if len(t.notes) < maxNotes {
		t.notes = append(t.notes, msg)
	}
	t.version++
	t.mu.Unlock()
	t.rec.notify(t)
}

const (
	maxNotes       = 16
	maxInvocations = 8 // an authorizer and the integration, with room to spare
	maxCalls       = 64
	maxTransitions = 64
)

// responseWriter notes the status, size and error type of the answer.
type responseWriter struct {
	http.ResponseWriter
	t      *Trace
	status int
	bytes  int64
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish records the response once the request is served.
func (w *responseWriter) finish() {
	t := w.t
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	var errorType string
	if vs := w.Header()["X-Amzn-Errortype"]; len(vs) > 0 {
		errorType = vs[0]
	}
	latency := t.rec.opts.Now().Sub(t.start)
	t.mu.Lock()
	t.resp = response{status: status, bytes: w.bytes, errorType: errorType, latency: latency}
	t.done = true
	t.version++
	t.mu.Unlock()
	t.rec.notify(t)
}

// Invocation is one function invocation made for a trace (an authorizer's
// or the integration's).
type Invocation struct {
	t         *Trace
	requestID string
	function  string
	arn       string
	version   string
	event     []byte // as sent (redacted when rendered), or pre-redacted when large
	start     time.Time

	// Guarded by t.mu.
	run     Run
	ran     bool
	failure string
	logs    string
	maxMem  int
	logged  bool
	calls   []Call
	dropped int // calls beyond maxCalls
}

// Run is how an invocation ran, as the runtime measured it.
type Run struct {
	Sandbox string
	Cold    bool
	// InitStart and Init are the cold start's init phase: from the process
	// start to its first request for work.
	InitStart time.Time
	Init      time.Duration
	// HandlerStart and Handler are the invoke phase.
	HandlerStart time.Time
	Handler      time.Duration
	// ErrorType is the failed invocation's error type, "" on success.
	ErrorType string
}

// StartInvocation records that function is invoked with event under the
// Lambda request id requestID, so that the AWS calls made while it runs
// are attributed to this trace. event is kept, not copied: the caller must
// not change it.
func (t *Trace) StartInvocation(requestID, function, arn, version string, event []byte) *Invocation {
	if t == nil {
		return nil
	}
	r := t.rec
	inv := &Invocation{t: t, requestID: requestID, function: function, arn: arn, version: version, start: r.opts.Now(), event: keptEvent(event)}
	t.mu.Lock()
	if len(t.invocations) >= maxInvocations {
		t.mu.Unlock()
		return nil
	}
	t.invocations = append(t.invocations, inv)
	t.version++
	t.mu.Unlock()
	r.mu.Lock()
	if !r.closed {
		r.byInv[requestID] = inv
	}
	r.mu.Unlock()
	r.notify(t)
	return inv
}

// Ran records how the invocation ran.
func (inv *Invocation) Ran(run Run) {
	if inv == nil {
		return
	}
	t := inv.t
	t.mu.Lock()
	inv.run, inv.ran = run, true
	t.version++
	t.mu.Unlock()
	t.rec.notify(t)
}

// Failed records that the invocation could not run (no process could be
// started, the emulator is closing...).
func (inv *Invocation) Failed(reason string) {
	if inv == nil {
		return
	}
	t := inv.t
	t.mu.Lock()
	inv.failure, inv.logged = reason, true
	t.version++
	t.mu.Unlock()
	t.rec.notify(t)
}

// Logged records the invocation's log (START to REPORT, with the init
// output of a cold start) and its peak memory (0 when unknown), once the
// runtime has written them, just after the answer.
func (inv *Invocation) Logged(lines string, maxMemoryMB int) {
	if inv == nil {
		return
	}
	t := inv.t
	t.mu.Lock()
	inv.logs, inv.maxMem, inv.logged = lines, maxMemoryMB, true
	t.version++
	t.mu.Unlock()
	t.rec.notify(t)
}

// Call is one AWS API call a function made with its invocation's
// credentials.
type Call struct {
	Service   string // ec2, iam, sts, lambda, apigateway
	Action    string // StopInstances
	Summary   string // a short parameter summary: the resources it named
	Status    int
	ErrorCode string
	Start     time.Time
	Duration  time.Duration
}

// Call attributes c to the invocation with this Lambda request id; false
// when no trace holds it (a direct Invoke, or an evicted trace).
func (r *Recorder) Call(invocationID string, c Call) bool {
	inv := r.invocation(invocationID)
	if inv == nil {
		return false
	}
	t := inv.t
	t.mu.Lock()
	if len(inv.calls) < maxCalls {
		inv.calls = append(inv.calls, c)
	} else {
		inv.dropped++
	}
	t.version++
	t.mu.Unlock()
	r.notify(t)
	return true
}

func (r *Recorder) invocation(id string) *Invocation {
	if r == nil || id == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byInv[id]
}
