package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apidriven/api-driven/internal/status"
)

// The functions below are what magefile.go calls: one per target, on the
// project around the working directory.

// current runs fn on the current project. A failed step has printed its
// cause and fix already; any other error is printed here the same way, so
// the user always sees what failed and what to do. Ctrl-C (ctx cancelled)
// gives one line instead. Mage then prints the returned error once more
// as "Error: …" and exits 1, so that error is kept to one line.
func current(ctx context.Context, target string, fn func(*Project) error) error {
	p, err := Current()
	if err == nil {
		p.Out, p.Status = stdout, status.New(stdout)
		p.Status.Watch(ctx)
		err = fn(p)
	}
	if err == nil {
		return nil
	}
	if se, ok := status.InterruptedStep(err); ok || ctx.Err() != nil || status.Interrupted(err) {
		during := ""
		if ok {
			during = fmt.Sprintf(" during %s (%s)", se.Step, se.Elapsed)
		}
		fmt.Fprintf(stdout, "✗ %s interrupted (Ctrl-C)%s: stopped cleanly; `go tool mage %s` carries on from there\n", target, during, target)
		return errors.New("interrupted")
	}
	var se *status.StepError
	if !errors.As(err, &se) {
		fmt.Fprintf(stdout, "✗ %s: %v\n", target, err)
		if fix := status.FixOf(err); fix != "" {
			fmt.Fprintf(stdout, "  → %s\n", fix)
		}
	}
	return firstLine{err}
}

// stdout is where targets print (a test's buffer in tests).
var stdout io.Writer = os.Stdout

// firstLine is an error as mage repeats it: its first line only (the rest,
// a build log or pip's, was printed with the ✗ line).
type firstLine struct{ err error }

func (e firstLine) Error() string {
	msg, _, _ := strings.Cut(e.err.Error(), "\n")
	return msg
}
func (e firstLine) Unwrap() error { return e.err }

// All runs up, build and deploy, then prints the URLs and the state.
func All(ctx context.Context) error {
	return current(ctx, "all", func(p *Project) error { return p.All(ctx) })
}

// Up makes the backend ready.
func Up(ctx context.Context) error {
	return current(ctx, "up", func(p *Project) error { _, _, err := p.Up(ctx); return err })
}

// Build builds the function zip for the backend's platform.
func Build(ctx context.Context) error {
	return current(ctx, "build", func(p *Project) error { _, err := p.Build(ctx); return err })
}

// Deploy provisions everything and writes .apidriven/outputs.json.
func Deploy(ctx context.Context) error {
	return current(ctx, "deploy", func(p *Project) error {
		out, err := p.Deploy(ctx)
		if err == nil {
			p.printURLs(out)
		}
		return err
	})
}

// Smoke proves the routes.
func Smoke(ctx context.Context) error {
	return current(ctx, "smoke", func(p *Project) error { return p.Smoke(ctx) })
}

// Clean removes everything.
func Clean(ctx context.Context) error {
	return current(ctx, "clean", func(p *Project) error { return p.Clean(ctx) })
}

// Image builds the docker target's image.
func Image(ctx context.Context) error {
	return current(ctx, "image", func(p *Project) error { return p.Image(ctx) })
}

// Install prepares the backend.
func Install(ctx context.Context) error {
	return current(ctx, "install", func(p *Project) error { return p.Install(ctx) })
}

// Public makes the port public in a Codespace.
func Public(ctx context.Context) error {
	return current(ctx, "public", func(p *Project) error { return p.Public(ctx) })
}

// Trace prints the last requests' waterfalls.
func Trace(ctx context.Context) error {
	return current(ctx, "trace", func(p *Project) error { return p.Trace(ctx, false) })
}

// TraceFollow prints each request as it completes, until Ctrl-C.
func TraceFollow(ctx context.Context) error {
	return current(ctx, "traceFollow", func(p *Project) error { return p.Trace(ctx, true) })
}

// Down stops the backend this project started.
func Down(ctx context.Context) error {
	return current(ctx, "down", func(p *Project) error { return p.Down(ctx) })
}

// Watch rebuilds and updates the function on every save under lambda/.
func Watch(ctx context.Context) error {
	return current(ctx, "watch", func(p *Project) error { return p.Watch(ctx) })
}

// Outputs prints outputs.json.
func Outputs() error {
	return current(context.Background(), "outputs", func(p *Project) error { return p.Outputs() })
}

// Test runs vet and the race-enabled tests.
func Test(ctx context.Context) error {
	return current(ctx, "test", func(p *Project) error { return p.Test(ctx) })
}
