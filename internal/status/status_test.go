package status

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func fakeClock(steps ...time.Duration) func() time.Time {
	base := time.Unix(0, 0)
	i := 0
	return func() time.Time {
		t := base
		if i < len(steps) {
			base = base.Add(steps[i])
		}
		i++
		return t
	}
}

func TestStepLines(t *testing.T) {
	tests := []struct {
		name string
		run  func(s *Status) error
		want []string
	}{
		{
			name: "success with detail",
			run: func(s *Status) error {
				s.Start("lambda function apidriven-ec2").Done("active")
				return nil
			},
			want: []string{"✓ lambda function apidriven-ec2 active (400ms)"},
		},
		{
			name: "failure with fix",
			run: func(s *Status) error {
				return s.Run("up", func() error {
					return WithFix(errors.New("port 4566 is busy"), "stop what listens there: %s", "ss -ltnp 'sport = :4566'")
				})
			},
			want: []string{"✗ up (400ms): port 4566 is busy", "  → stop what listens there: ss -ltnp 'sport = :4566'"},
		},
		{
			name: "started earlier (watch: from the save)",
			run: func(s *Status) error {
				s.StartAt("status after save", time.Unix(0, 0).Add(-1200*time.Millisecond)).Done("→ HTTP 200")
				return nil
			},
			want: []string{"✓ status after save → HTTP 200 (1.6s)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := New(&buf)
			s.now = fakeClock(400 * time.Millisecond)
			err := tt.run(s)
			got := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if err != nil {
				var se *StepError
				if !errors.As(err, &se) || se.Step != "up" {
					t.Fatalf("error %v does not name its step", err)
				}
			}
		})
	}
}

func TestElapsedFormats(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf)
	s.now = fakeClock(2500 * time.Millisecond)
	s.Start("deploy").Done("")
	if !strings.Contains(buf.String(), "(2.5s)") {
		t.Fatalf("got %q", buf.String())
	}
}

// The fixes of joined errors are all given, once each.
func TestFixOfJoined(t *testing.T) {
	a := WithFix(errors.New("container busy"), "remove it")
	b := fmt.Errorf("wrapped: %w", WithFix(errors.New("image in use"), "remove its containers"))
	err := &StepError{Step: "remove", Err: errors.Join(a, b, WithFix(errors.New("again"), "remove it"))}
	if got := FixOf(err); got != "remove it; and remove its containers" {
		t.Fatalf("FixOf = %q", got)
	}
	if got := FixOf(errors.New("plain")); got != "" {
		t.Fatalf("FixOf(plain) = %q", got)
	}
}

// Ctrl-C: a step stopped by a cancelled context, or by a child killed with
// SIGINT, prints nothing and is marked as interrupted.
func TestInterruptedStepIsSilent(t *testing.T) {
	var buf bytes.Buffer
	s := New(&buf)
	ctx, cancel := context.WithCancel(context.Background())
	s.Watch(ctx)
	cancel()
	err := s.Start("build emulator").Fail(fmt.Errorf("failed to build: %w", errors.New("signal: killed")))
	if buf.Len() != 0 {
		t.Fatalf("printed %q", buf.String())
	}
	if se, ok := InterruptedStep(err); !ok || se.Step != "build emulator" {
		t.Fatalf("InterruptedStep(%v) = %v, %v", err, se, ok)
	}
	s2 := New(&buf)
	err = s2.Start("deploy").Fail(fmt.Errorf("operation error: %w", context.Canceled))
	if _, ok := InterruptedStep(err); !ok || buf.Len() != 0 {
		t.Fatalf("a cancelled SDK call: %v, printed %q", err, buf.String())
	}
	err = s2.Start("deploy").Fail(errors.New("boom"))
	if _, ok := InterruptedStep(err); ok || !strings.Contains(buf.String(), "✗ deploy") {
		t.Fatalf("a plain failure: %v, printed %q", err, buf.String())
	}
}

// lineWriter hands each written line to a channel, so a test can wait for
// lines printed by another goroutine without racing on a buffer.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l != "" {
			w <- l
		}
	}
	return len(p), nil
}

func TestHeartbeatTicksUntilStopped(t *testing.T) {
	lines := make(lineWriter, 1000)
	s := New(lines)
	s.every = time.Millisecond
	s.now = fakeClock(20 * time.Second) // the step starts at 0; every later reading is 20 s on
	step := s.Start("build emulator ./cmd/awsemu")
	stop := step.Heartbeat("still building the emulator")
	for i := 0; i < 2; i++ {
		select {
		case l := <-lines:
			if want := "  … still building the emulator (20s)\n"; l != want {
				t.Fatalf("heartbeat %q, want %q", l, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no heartbeat within 30s")
		}
	}
	stop()
	stop() // twice is fine
	step.Done("")
	var last string
	for last == "" || strings.HasPrefix(last, "  … ") { // ticks printed before stop returned
		select {
		case last = <-lines:
		case <-time.After(30 * time.Second):
			t.Fatal("Done's line never came")
		}
	}
	if !strings.HasPrefix(last, "✓ build emulator ./cmd/awsemu") {
		t.Fatalf("after the heartbeats: %q", last)
	}
	select {
	case l := <-lines:
		t.Fatalf("a line after Done: %q", l)
	case <-time.After(50 * time.Millisecond): // 50 ticks' worth
	}
}

func TestHeartbeatWithDetail(t *testing.T) {
	lines := make(lineWriter, 1000)
	s := New(lines)
	s.every = time.Millisecond
	s.now = fakeClock(30 * time.Second)
	step := s.Start("compile the targets")
	details := []string{"", "3 packages compiled, now example.com/lib"}
	var mu sync.Mutex
	n := 0
	stop := step.HeartbeatWith("still compiling the targets", func() string {
		mu.Lock()
		defer mu.Unlock()
		d := details[min(n, 1)]
		n++
		return d
	})
	defer stop()
	for _, want := range []string{"  … still compiling the targets (30s)\n", "  … still compiling the targets (30s): 3 packages compiled, now example.com/lib\n"} {
		select {
		case l := <-lines:
			if l != want {
				t.Fatalf("got %q, want %q", l, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no heartbeat within 30s")
		}
	}
}
