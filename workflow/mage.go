package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/apidriven/api-driven/internal/status"
)

// The functions below are what magefile.go calls: one per target, on the
// project around the working directory.

// current runs fn on the current project. A failed step has printed its
// cause and fix already; any other error is printed here the same way, so
// the user always sees what failed and what to do (mage then exits 1).
func current(target string, fn func(*Project) error) error {
	p, err := Current()
	if err == nil {
		err = fn(p)
	}
	if err == nil {
		return nil
	}
	var se *status.StepError
	if !errors.As(err, &se) {
		fmt.Printf("✗ %s: %v\n", target, err)
		if fix := status.FixOf(err); fix != "" {
			fmt.Printf("  → %s\n", fix)
		}
	}
	return err
}

// All runs up, build and deploy, then prints the URLs and the state.
func All(ctx context.Context) error {
	return current("all", func(p *Project) error { return p.All(ctx) })
}

// Up makes the backend ready.
func Up(ctx context.Context) error {
	return current("up", func(p *Project) error { _, _, err := p.Up(ctx); return err })
}

// Build builds the function zip for the backend's platform.
func Build(ctx context.Context) error {
	return current("build", func(p *Project) error { _, err := p.Build(ctx); return err })
}

// Deploy provisions everything and writes .apidriven/outputs.json.
func Deploy(ctx context.Context) error {
	return current("deploy", func(p *Project) error {
		out, err := p.Deploy(ctx)
		if err == nil {
			p.printURLs(out)
		}
		return err
	})
}

// Smoke proves the routes.
func Smoke(ctx context.Context) error {
	return current("smoke", func(p *Project) error { return p.Smoke(ctx) })
}

// Clean removes everything.
func Clean(ctx context.Context) error {
	return current("clean", func(p *Project) error { return p.Clean(ctx) })
}

// Image builds the docker target's image.
func Image(ctx context.Context) error {
	return current("image", func(p *Project) error { return p.Image(ctx) })
}

// Install prepares the backend.
func Install(ctx context.Context) error {
	return current("install", func(p *Project) error { return p.Install(ctx) })
}

// Public makes the port public in a Codespace.
func Public(ctx context.Context) error {
	return current("public", func(p *Project) error { return p.Public(ctx) })
}

// Down stops the backend this project started.
func Down(ctx context.Context) error {
	return current("down", func(p *Project) error { return p.Down(ctx) })
}

// Outputs prints outputs.json.
func Outputs() error { return current("outputs", func(p *Project) error { return p.Outputs() }) }

// Test runs vet and the race-enabled tests.
func Test(ctx context.Context) error {
	return current("test", func(p *Project) error { return p.Test(ctx) })
}
