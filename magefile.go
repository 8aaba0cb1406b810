//go:build mage

// Mage targets of api-driven: go tool mage (or go tool mage all) gives
// live /start /stop /status URLs. Each target is one call into workflow/.
package main

import (
	"context"

	"github.com/apidriven/api-driven/workflow"
)

// Default target: go tool mage runs All.
var Default = All

// All brings the backend up, builds and deploys, then prints the URLs and the instance's state.
func All(ctx context.Context) error { return workflow.All(ctx) }

// Up starts the backend (APIDRIVEN_BACKEND=auto|embedded|localstack|aws) and waits until it is ready.
func Up(ctx context.Context) error { return workflow.Up(ctx) }

// Build compiles the Lambda into .apidriven/build/function.zip for the backend's OS/arch.
func Build(ctx context.Context) error { return workflow.Build(ctx) }

// Deploy provisions the role, instance, function and API idempotently and writes .apidriven/outputs.json.
func Deploy(ctx context.Context) error { return workflow.Deploy(ctx) }

// Smoke checks status, stop, start and an unknown route through the URLs, cross-checked with EC2 (or the Docker engine).
func Smoke(ctx context.Context) error { return workflow.Smoke(ctx) }

// Clean deletes every project resource, stops the emulator it started and removes .apidriven/.
func Clean(ctx context.Context) error { return workflow.Clean(ctx) }

// Image builds the tiny web server image the docker target runs (APIDRIVEN_IMAGE, default apidriven-web:<checkout id>).
func Image(ctx context.Context) error { return workflow.Image(ctx) }

// Install prepares the backend: the emulator binary, or the pinned LocalStack image (or CLI).
func Install(ctx context.Context) error { return workflow.Install(ctx) }

// Public makes the stage URLs' port (4567) public in a GitHub Codespace and prints them; the AWS APIs' port stays private.
func Public(ctx context.Context) error { return workflow.Public(ctx) }

// Trace prints the last requests through the stage URLs as waterfalls: API Gateway, Lambda init and handler, each AWS call, each EC2 state change (APIDRIVEN_TRACE_LIMIT, default 10).
func Trace(ctx context.Context) error { return workflow.Trace(ctx) }

// TraceFollow prints each request through the stage URLs as it completes, until Ctrl-C.
func TraceFollow(ctx context.Context) error { return workflow.TraceFollow(ctx) }

// Down stops the backend if this project started it.
func Down(ctx context.Context) error { return workflow.Down(ctx) }

// Watch rebuilds the function on each save under lambda/, updates its code and prints what GET status answers (Ctrl-C stops).
func Watch(ctx context.Context) error { return workflow.Watch(ctx) }

// Outputs prints .apidriven/outputs.json.
func Outputs() error { return workflow.Outputs() }

// Test runs vet and every test with the race detector, as the README and CI do.
func Test(ctx context.Context) error { return workflow.Test(ctx) }
