// Package runtime runs Lambda functions as native child processes that talk
// to a Lambda Runtime API served here, one listener per process.
package runtime

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/trace"
)

// ErrClosed is returned by Invoke once the manager is closed.
var ErrClosed = errors.New("lambda runtime manager is closed")

// Config configures the manager.
type Config struct {
	// EndpointURL is injected as AWS_ENDPOINT_URL so functions call the emulator back.
	EndpointURL string
	// MaxProcsPerFunction bounds scale-out of one function (default 10).
	MaxProcsPerFunction int
	// IdleTimeout reaps warm processes unused this long (default 10m).
	IdleTimeout time.Duration
	Logger      *slog.Logger
	// InitTimeout bounds how long a new process may take to ask for its
	// first invocation (default 10s, Lambda's init limit).
	InitTimeout time.Duration
	// StopGrace is how long Close waits after SIGTERM before SIGKILL
	// (default 1s).
	StopGrace time.Duration
	// Credentials issues each sandbox's role credentials; without it (or
	// for a function without a Role) sandboxes get test/test.
	Credentials CredentialIssuer
	// User runs function processes as another account (see FunctionUser);
	// nil runs them as the emulator's own user.
	User *User
}

// Function is what the manager needs to know of a function version.
type Function struct {
	Name     string
	Version  string // "$LATEST" or a published version's number
	ARN      string // the version's ARN, which pools its processes
	Runtime  string
	Handler  string
	CodeDir  string // unpacked code, holds bootstrap
	CodeSHA  string // processes of another CodeSHA/ConfigHash are recycled
	Revision string // changes with every code or configuration update
	Env      map[string]string
	Region   string
	Role     string // execution role ARN: the sandbox's credentials are its
	Timeout  time.Duration
	MemoryMB int
	LogPath  string // per-function log file (appended)

	// InvokedARN is the ARN the caller named (an alias's, say), which the
	// function sees as its invoked ARN; ARN when empty.
	InvokedARN string
}

// Result is one invocation's outcome. FunctionError is "" on success and
// "Unhandled" when the function failed (Payload is then the AWS error JSON).
type Result struct {
	Payload       []byte
	FunctionError string
	RequestID     string
	// ErrorType is the failed invocation's errorType (e.g. "Sandbox.Timedout",
	// "Runtime.ExitError", or the function's own type); "" on success.
	ErrorType string
	// LogTail is the last 4 KB of this invocation's log, START to REPORT
	// (base64 it for X-Amz-Log-Result).
	LogTail string
	// Duration is the invoke phase; InitDuration is set on a cold start.
	Duration     time.Duration
	InitDuration time.Duration
	// SandboxID names the process that ran the invocation (its calls to
	// AWS carry it, see auth.Sandbox); "" when none started.
	SandboxID string
}

type runResult struct {
	res *Result
	err error
}

// Manager owns the processes.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex // guards everything below, pools' state and cfg.EndpointURL
	pools   map[string]*pool
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup // watchers and invocation supervisors
}

// NewManager returns a manager; it starts nothing until the first invoke.
func NewManager(cfg Config) *Manager {
	if cfg.MaxProcsPerFunction <= 0 {
		cfg.MaxProcsPerFunction = 10
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 10 * time.Minute
	}
	if cfg.InitTimeout <= 0 {
		cfg.InitTimeout = 10 * time.Second
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg, log: log, pools: map[string]*pool{}, closing: make(chan struct{})}
}

// SetEndpointURL sets the URL injected as AWS_ENDPOINT_URL (known once the
// emulator listens). Processes started later get it.
func (m *Manager) SetEndpointURL(u string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg.EndpointURL = u
}

// Invoke runs payload through fn, starting or reusing a process. Function
// failures (errors, crashes, timeouts, a bad bootstrap) are a Result with
// FunctionError "Unhandled"; the error is for ctx ends and a closed manager.
// A cancelled ctx returns at once; the invocation itself runs to its end.
func (m *Manager) Invoke(ctx context.Context, fn Function, payload []byte) (*Result, error) {
	return m.InvokeWith(ctx, fn, payload, InvokeOptions{Tail: true})
}

// InvokeOptions tunes one invocation.
type InvokeOptions struct {
	// Tail asks for Result.LogTail: the call then returns once the
	// invocation's END and REPORT lines are in the log. Without it they are
	// written (in order) just after the answer, off the caller's path,
	// which is what API Gateway's proxy calls need.
	Tail bool
	// BeforeStart runs before a process is started for this invocation (a
	// cold start, never when a warm process takes it), to make its code
	// ready: a Result ends the invocation with it (an unusable bootstrap,
	// say), an error fails the call.
	BeforeStart func(requestID string) (*Result, error)
}

// InvokeWith is Invoke with options.
func (m *Manager) InvokeWith(ctx context.Context, fn Function, payload []byte, opts InvokeOptions) (*Result, error) {
	if !supported {
		return nil, errors.New("native Lambda execution needs a Unix host")
	}
	fn = withDefaults(fn)
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	p, err := m.pool(poolKey(fn))
	if err != nil {
		return nil, err
	}
	id := newRequestID()
	// A stage-URL request's trace follows the invocation (and, through
	// the request id, the AWS calls it makes).
	span := trace.FromContext(ctx).StartInvocation(id, fn.Name, fn.ARN, fn.Version, payload)
	done := make(chan runResult, 1)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	m.wg.Add(1)
	m.mu.Unlock()
	go func() {
		defer m.wg.Done()
		res, err := m.run(ctx, p, fn, id, payload, opts, span)
		if err != nil {
			span.Failed(err.Error())
		}
		done <- runResult{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run acquires a process and supervises the invocation to its end, even
// after the caller gave up.
func (m *Manager) run(ctx context.Context, p *pool, fn Function, id string, payload []byte, opts InvokeOptions, span *trace.Invocation) (*Result, error) {
	const attempts = 3 // a warm process may die between invocations
	for range attempts {
		inv := newInvocation(id, fn, payload)
		inv.wantTail, inv.span = opts.Tail, span
		var before func() (*Result, error)
		if opts.BeforeStart != nil {
			before = func() (*Result, error) { return opts.BeforeStart(id) }
		}
		sb, refused, err := p.acquire(ctx, fn, inv.tail, before)
		if refused != nil {
			span.Ran(trace.Run{Cold: true, ErrorType: refused.ErrorType})
			span.Logged(refused.LogTail, 0)
			return refused, nil
		}
		var ee *entrypointError
		if errors.As(err, &ee) {
			return m.failedStart(inv, ee), nil
		}
		if err != nil {
			return nil, err
		}
		if res := m.supervise(p, sb, inv); res != nil {
			return res, nil
		}
	}
	return nil, fmt.Errorf("failed to invoke %s: processes kept exiting before taking the invocation", fn.Name)
}

func withDefaults(fn Function) Function {
	if fn.Version == "" {
		fn.Version = "$LATEST"
	}
	if fn.Timeout <= 0 {
		fn.Timeout = 3 * time.Second
	}
	if fn.MemoryMB <= 0 {
		fn.MemoryMB = 128
	}
	if fn.Region == "" {
		fn.Region = "us-east-1"
	}
	return fn
}

func (m *Manager) pool(name string) (*pool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	p := m.pools[name]
	if p == nil {
		p = &pool{m: m, name: name, slots: make(chan struct{}, m.cfg.MaxProcsPerFunction), live: map[*sandbox]struct{}{}}
		m.pools[name] = p
	}
	return p, nil
}

// poolKey tells functions apart: the same name in two regions is two
// functions with processes of their own.
func poolKey(fn Function) string {
	if fn.ARN != "" {
		return fn.ARN
	}
	return fn.Region + "/" + fn.Name
}

// Evict stops every process of the function with this ARN (after an
// update or delete): idle ones now, busy ones as soon as their invocation
// ends.
func (m *Manager) Evict(arn string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.pools[arn]; p != nil {
		p.retireLocked()
		// A process still starting is not live yet: with no revision
		// current, release stops it instead of keeping it warm.
		p.revision = ""
	}
}

// Close stops all processes (SIGTERM, then SIGKILL after StopGrace) and
// waits until every one is reaped.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	close(m.closing)
	var all []*sandbox
	for _, p := range m.pools {
		for sb := range p.live {
			all = append(all, sb)
		}
		p.idle = nil
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, sb := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sb.stop(m.cfg.StopGrace)
		}()
	}
	wg.Wait()
	m.wg.Wait()
	return nil
}

// newRequestID is a random UUID, the form of Lambda request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// traceID is an X-Ray trace header for an invocation started at t.
func traceID(t time.Time) string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", t.Unix(), b[:12], b[12:])
}
