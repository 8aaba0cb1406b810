// Package handler is the whole logic of the api-driven Lambda function:
// routing of the API Gateway proxy request (/start, /stop, /status), the
// JSON answers, and the Target that actually starts and stops a machine.
package handler

import (
	"context"
	"fmt"
)

// Target is the machine the routes drive. The EC2 implementation is the
// default; routing never depends on which one is configured, so another
// kind of machine (a Docker container) only needs a new Target.
type Target interface {
	// Status describes one machine.
	Status(ctx context.Context, id string) (Instance, error)
	// Start starts it; starting a running or pending machine is not an error.
	Start(ctx context.Context, id string) (Transition, error)
	// Stop stops it; stopping a stopped or stopping machine is not an error.
	Stop(ctx context.Context, id string) (Transition, error)
}

// Instance is what Status reports.
type Instance struct {
	ID    string
	State string
	Tags  map[string]string
}

// Transition is what Start and Stop report.
type Transition struct {
	Previous string
	Current  string
}

// Kind classifies a Target failure so routing can choose the HTTP status
// without knowing the backend's error codes.
type Kind int

// Failure kinds, each mapped to one HTTP status by the handler.
const (
	KindInternal    Kind = iota // 500: our side is broken or misconfigured
	KindInvalid                 // 400: the caller sent something malformed
	KindNotFound                // 404: no such machine
	KindConflict                // 409: the machine's state does not allow it
	KindUnavailable             // 503: throttled or backend down; retry later
)

// Error is a classified Target failure. Message is shown to the caller.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return fmt.Sprintf("%s: %v", e.Message, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
