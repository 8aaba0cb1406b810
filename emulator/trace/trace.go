// Package trace records what happens to each stage-URL request, end to end:
// the URL form and route API Gateway matched (or why none did), the event
// each function got, its invocation (sandbox, cold or warm, durations, log
// lines), the AWS calls it made with its credentials and the EC2 state
// transitions those calls caused. Traces live in a bounded in-memory ring
// and keep growing after the response (log lines arrive just after it, a
// stopping instance stops later); subscribers are told of every change.
//
// Recording is cheap on the request path: a trace is one allocation, events
// are kept as the bytes already encoded for the function, and JSON
// (with credentials redacted) is rendered only when someone reads it.
// Every method is safe on a nil *Recorder, *Trace or *Invocation, which is
// what a disabled recorder hands out.
package trace

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCapacity is how many requests the ring keeps by default.
const DefaultCapacity = 1000

// Form is the URL form a stage-URL request used.
type Form string

// The three URL forms API Gateway stages are served under, as LocalStack
// names them.
const (
	FormExecuteAPI  Form = "/_aws/execute-api"
	FormHost        Form = "*.execute-api.* host"
	FormUserRequest Form = "_user_request_"
)

// StateSource tells the current state of an EC2 instance ("" and false when
// unknown), to confirm a transition that settles by itself later.
type StateSource func(instanceID string) (state string, ok bool)

// Options configures a Recorder.
type Options struct {
	// Capacity is the ring size; DefaultCapacity when 0.
	Capacity int
	// States confirms scheduled transitions (stopping → stopped) when they
	// are due; without it they are recorded as scheduled.
	States StateSource
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Recorder holds the last Capacity traces.
type Recorder struct {
	opts   Options
	prefix string // makes ids unique across restarts

	mu     sync.Mutex
	ring   []*Trace // slot seq % capacity
	seq    uint64
	byInv  map[string]*Invocation // request id -> invocation, for its AWS calls
	timers map[*time.Timer]struct{}
	closed bool

	subMu sync.Mutex
	subs  atomic.Pointer[[]*Subscription] // copy on write: read without a lock
}

// New returns a recorder; a negative capacity disables tracing (nil).
func New(opts Options) *Recorder {
	if opts.Capacity < 0 {
		return nil
	}
	if opts.Capacity == 0 {
		opts.Capacity = DefaultCapacity
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Recorder{
		opts:   opts,
		prefix: strconv.FormatInt(opts.Now().UnixMilli(), 36) + "-",
		ring:   make([]*Trace, opts.Capacity),
		byInv:  map[string]*Invocation{},
		timers: map[*time.Timer]struct{}{},
	}
}

// Capacity is the ring size (0 when disabled).
func (r *Recorder) Capacity() int {
	if r == nil {
		return 0
	}
	return r.opts.Capacity
}

// SetStates sets the source that confirms scheduled transitions (the EC2
// service exists after the recorder).
func (r *Recorder) SetStates(s StateSource) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.opts.States = s
	r.mu.Unlock()
}

// Begin starts the trace of a stage-URL request. It returns the writer and
// request to serve it with (the request's context carries the trace) and
// done, to call once it is served. A nil recorder changes nothing.
func (r *Recorder) Begin(form Form, w http.ResponseWriter, req *http.Request) (http.ResponseWriter, *http.Request, func()) {
	if r == nil {
		return w, req, func() {}
	}
	t := &Trace{rec: r, start: r.opts.Now(), form: form, method: req.Method, path: req.URL.Path, query: req.URL.RawQuery, host: req.Host}
	t.rw.ResponseWriter, t.rw.t = w, t
	r.mu.Lock()
	r.seq++
	t.seq = r.seq
	t.id = r.prefix + strconv.FormatUint(t.seq, 10)
	slot := int(t.seq % uint64(len(r.ring)))
	old := r.ring[slot]
	r.ring[slot] = t
	if old != nil {
		r.forgetLocked(old)
	}
	r.mu.Unlock()
	r.notify(t)
	return &t.rw, req.WithContext(NewContext(req.Context(), t)), t.rw.finish
}

// forgetLocked drops the invocation index entries of an evicted trace.
func (r *Recorder) forgetLocked(old *Trace) {
	old.mu.Lock()
	for _, inv := range old.invocations {
		if r.byInv[inv.requestID] == inv {
			delete(r.byInv, inv.requestID)
		}
	}
	old.mu.Unlock()
}

// Get returns the trace with this id, if still in the ring.
func (r *Recorder) Get(id string) (*Trace, bool) {
	if r == nil || len(id) <= len(r.prefix) || id[:len(r.prefix)] != r.prefix {
		return nil, false
	}
	seq, err := strconv.ParseUint(id[len(r.prefix):], 10, 64)
	if err != nil || seq == 0 {
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.ring[int(seq%uint64(len(r.ring)))]
	if t == nil || t.seq != seq {
		return nil, false
	}
	return t, true
}

// Recent returns up to limit traces, newest first.
func (r *Recorder) Recent(limit int) []*Trace {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.ring)
	if limit <= 0 || limit > n {
		limit = n
	}
	out := make([]*Trace, 0, min(limit, int(r.seq)))
	for seq := r.seq; seq > 0 && len(out) < limit; seq-- {
		t := r.ring[int(seq%uint64(n))]
		if t == nil || t.seq != seq {
			break
		}
		out = append(out, t)
	}
	return out
}

// Total is how many traces were begun since start (the ring keeps the last
// Capacity of them).
func (r *Recorder) Total() uint64 {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seq
}

// Close stops scheduled confirmations and ends every subscription, so that
// event streams return and a server can shut down.
func (r *Recorder) Close() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.closed = true
	for tm := range r.timers {
		tm.Stop()
	}
	r.timers = nil
	r.mu.Unlock()
	r.subMu.Lock()
	subs := r.subs.Swap(nil)
	r.subMu.Unlock()
	if subs != nil {
		for _, s := range *subs {
			s.end()
		}
	}
}

type ctxKey struct{}

// NewContext returns ctx carrying t.
func NewContext(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// FromContext returns the trace of the request ctx belongs to, or nil.
func FromContext(ctx context.Context) *Trace {
	t, _ := ctx.Value(ctxKey{}).(*Trace)
	return t
}
