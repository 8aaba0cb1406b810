// Package status prints one line per step with its duration, the way every
// target reports progress: "✓ lambda function apidriven-ec2 active (0.4s)",
// or, on failure, which step failed, why, and what to do about it.
package status

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// Status writes progress lines to one writer.
type Status struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	ctx   context.Context // the target's, once Watch is called
	every time.Duration   // how often Heartbeat prints
}

// Watch tells the status the target's context: once it is cancelled
// (Ctrl-C), failing steps stay silent, whatever their error says (a child
// killed on cancellation exits with "signal: killed").
func (s *Status) Watch(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
}

func (s *Status) cancelled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx != nil && s.ctx.Err() != nil
}

// HeartbeatInterval is how often a long step says it is still running:
// with it, no step stays silent for more than ~15 s.
const HeartbeatInterval = 10 * time.Second

// New reports to w.
func New(w io.Writer) *Status {
	return &Status{w: w, now: time.Now, every: HeartbeatInterval}
}

// SetHeartbeatInterval changes how often Heartbeat prints (tests use a
// few milliseconds).
func (s *Status) SetHeartbeatInterval(d time.Duration) { s.every = d }

// Discard is a Status that prints nothing, for tests and library callers.
func Discard() *Status { return New(io.Discard) }

// Step is one running step.
type Step struct {
	s     *Status
	name  string
	start time.Time
}

// Start begins a step; finish it with Done or Fail.
func (s *Status) Start(name string) *Step {
	if s == nil {
		s = Discard()
	}
	return &Step{s: s, name: name, start: s.now()}
}

// StartAt begins a step that began at t, so that its duration counts
// from then (watch: from the save to the answer).
func (s *Status) StartAt(name string, t time.Time) *Step {
	st := s.Start(name)
	st.start = t
	return st
}

// Run runs fn as a step named name and reports its outcome.
func (s *Status) Run(name string, fn func() error) error {
	st := s.Start(name)
	if err := fn(); err != nil {
		return st.Fail(err)
	}
	st.Done("")
	return nil
}

// Infof prints an informational line.
func (s *Status) Infof(format string, args ...any) {
	if s == nil {
		return
	}
	s.printf("  "+format+"\n", args...)
}

// Done prints "✓ name detail (1.2s)".
func (st *Step) Done(detail string) {
	line := st.name
	if detail != "" {
		line += " " + detail
	}
	st.s.printf("✓ %s (%s)\n", line, st.elapsed())
}

// Fail prints "✗ name (1.2s): cause" and, when the error carries one, the
// fix; it returns the error wrapped with the step's name. A step stopped
// by Ctrl-C prints nothing: the target says so once, in one line (see
// Interrupted).
func (st *Step) Fail(err error) error {
	if Interrupted(err) || st.s.cancelled() {
		return &StepError{Step: st.name, Err: err, Elapsed: st.elapsed(), Interrupt: true}
	}
	st.s.printf("✗ %s (%s): %v\n", st.name, st.elapsed(), err)
	if fix := FixOf(err); fix != "" {
		st.s.printf("  → %s\n", fix)
	}
	return &StepError{Step: st.name, Err: err}
}

// Heartbeat prints "  … <what> (20s)", with the time since the step
// started, every HeartbeatInterval until stop is called, so a step that can
// run for minutes (a first compile) never looks hung. stop waits for the
// printer to finish: no heartbeat line follows the step's Done or Fail.
func (st *Step) Heartbeat(what string) (stop func()) { return st.HeartbeatWith(what, nil) }

// HeartbeatWith is Heartbeat with a detail appended when detail returns
// something: "  … still compiling the targets (20s): 212 packages compiled".
func (st *Step) HeartbeatWith(what string, detail func() string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		every := st.s.every
		if every <= 0 {
			every = HeartbeatInterval
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				line := fmt.Sprintf("  … %s (%.0fs)", what, st.s.now().Sub(st.start).Seconds())
				if detail != nil {
					if d := detail(); d != "" {
						line += ": " + d
					}
				}
				st.s.printf("%s\n", line)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done); <-finished })
	}
}

// Name is the step's name.
func (st *Step) Name() string { return st.name }

func (st *Step) elapsed() string {
	d := st.s.now().Sub(st.start)
	switch {
	case d < 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

func (s *Status) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, format, args...)
}

// StepError names the step that failed.
type StepError struct {
	Step string
	Err  error
	// Interrupt: Ctrl-C stopped the step (nothing was printed); Elapsed is
	// how long it had run.
	Interrupt bool
	Elapsed   string
}

func (e *StepError) Error() string { return e.Step + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// Interrupted reports whether err comes from Ctrl-C: a cancelled context,
// or a child process (go build, the localstack CLI) that got the
// terminal's SIGINT itself, maybe before the context was cancelled.
func Interrupted(err error) bool {
	if errors.Is(err, context.Canceled) {
		return true
	}
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ProcessState != nil && strings.HasPrefix(ee.ProcessState.String(), "signal: interrupt")
}

// InterruptedStep is the step Ctrl-C stopped, if any.
func InterruptedStep(err error) (*StepError, bool) {
	var se *StepError
	if errors.As(err, &se) && se.Interrupt {
		return se, true
	}
	return nil, false
}

// fixError attaches a remedy to an error.
type fixError struct {
	err error
	fix string
}

func (e *fixError) Error() string { return e.err.Error() }
func (e *fixError) Unwrap() error { return e.err }

// WithFix attaches what the user should do next to err.
func WithFix(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &fixError{err: err, fix: fmt.Sprintf(format, args...)}
}

// FixOf returns the remedy attached to err (or to an error it wraps); for
// errors joined with errors.Join, the remedies of each, in order.
func FixOf(err error) string {
	for err != nil {
		if f, ok := err.(*fixError); ok {
			return f.fix
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			var fixes []string
			for _, e := range j.Unwrap() {
				if f := FixOf(e); f != "" && !slices.Contains(fixes, f) {
					fixes = append(fixes, f)
				}
			}
			return strings.Join(fixes, "; and ")
		}
		err = errors.Unwrap(err)
	}
	return ""
}
