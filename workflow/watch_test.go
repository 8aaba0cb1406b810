package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apidriven/api-driven/internal/status"
)

// TestWatchNeedsItsDeployment: without outputs.json, watch says to run
// all first; with settings that point elsewhere than the deployment, it
// says so instead of updating the wrong function.
func TestWatchNeedsItsDeployment(t *testing.T) {
	noCodespace(t)
	p, _ := project(t)
	if err := p.Watch(context.Background()); err == nil || status.FixOf(err) != "run `go tool mage all` first" {
		t.Fatalf("watch without a deployment = %v (fix %q)", err, status.FixOf(err))
	}
	o := *sample
	o.Endpoint = "http://127.0.0.1:4566"
	if err := p.writeOutputs(&o); err != nil {
		t.Fatal(err)
	}
	t.Setenv("APIDRIVEN_BACKEND", "embedded")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4599")
	err := p.Watch(context.Background())
	if err == nil || !strings.Contains(err.Error(), "outputs.json is at http://127.0.0.1:4566, but the settings now point at http://127.0.0.1:4599") ||
		!strings.Contains(status.FixOf(err), "go tool mage all") {
		t.Fatalf("watch with other settings = %v (fix %q)", err, status.FixOf(err))
	}
}

// TestWatchLines: what watch prints of a change, an answer, and its end.
func TestWatchLines(t *testing.T) {
	for _, tc := range []struct {
		files []string
		want  string
	}{
		{[]string{"handler/handler.go"}, "lambda/handler/handler.go"},
		{[]string{"a.go", "b.go", "c.go", "d.go", "e.go"}, "lambda/a.go, lambda/b.go, lambda/c.go and 2 more"},
		{[]string{"."}, "lambda/ (events were lost)"},
	} {
		if got := changedFiles(tc.files); got != tc.want {
			t.Errorf("changedFiles(%q) = %q, want %q", tc.files, got, tc.want)
		}
	}
	if got := oneLine([]byte("{\"error\":\n  \"boom\"}\n")); got != `{"error": "boom"}` {
		t.Errorf("oneLine = %q", got)
	}
	if got := oneLine([]byte(strings.Repeat("x", 400))); len(got) != 300+len("…") {
		t.Errorf("oneLine of 400 bytes is %d bytes long", len(got))
	}

	p, out := project(t)
	w := &watchLoop{p: p, o: sample, upToDate: true}
	w.stopped()
	w.upToDate = false
	w.stopped()
	want := "✓ watch stopped (Ctrl-C): function apidriven-ec2 runs lambda/ as last saved\n" +
		"✓ watch stopped (Ctrl-C): function apidriven-ec2 runs the last code that compiled and deployed; `go tool mage watch` catches up\n"
	if out.String() != want {
		t.Errorf("stopped lines:\n%s\nwant\n%s", out.String(), want)
	}
}

// TestStopOn: only Ctrl-C, or a failure at the start, ends watching; a
// compile error or a failed update later does not.
func TestStopOn(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	compile := &status.StepError{Step: "build lambda", Err: errors.New("failed to compile ./lambda")}
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		err   error
		fatal bool
		stop  bool
	}{
		{"no error", context.Background(), nil, true, false},
		{"compile error", context.Background(), compile, false, false},
		{"failure at the start", context.Background(), compile, true, true},
		{"Ctrl-C during a step", context.Background(), &status.StepError{Step: "build lambda", Err: context.Canceled, Interrupt: true}, false, true},
		{"a call cancelled", context.Background(), fmt.Errorf("wrapped: %w", context.Canceled), false, true},
		{"after Ctrl-C", cancelled, compile, false, true},
	} {
		if got := stopOn(tc.ctx, tc.err, tc.fatal) != nil; got != tc.stop {
			t.Errorf("%s: stops = %v, want %v", tc.name, got, tc.stop)
		}
	}
}
