// Package runtime runs Lambda functions as native child processes that talk
// to a Lambda Runtime API served here, one listener per process.
package runtime

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Config configures the manager.
type Config struct {
	// EndpointURL is injected as AWS_ENDPOINT_URL so functions call the emulator back.
	EndpointURL string
	// MaxProcsPerFunction bounds scale-out of one function (default 10).
	MaxProcsPerFunction int
	// IdleTimeout reaps warm processes unused this long (default 10m).
	IdleTimeout time.Duration
	Logger      *slog.Logger
}

// Function is what the manager needs to know of a function version.
type Function struct {
	Name     string
	Version  string // "$LATEST"
	ARN      string
	Runtime  string
	Handler  string
	CodeDir  string // unpacked code, holds bootstrap
	CodeSHA  string // processes of another CodeSHA/ConfigHash are recycled
	Revision string // changes with every code or configuration update
	Env      map[string]string
	Region   string
	Timeout  time.Duration
	MemoryMB int
	LogPath  string // per-function log file (appended)
}

// Result is one invocation's outcome. FunctionError is "" on success and
// "Unhandled" when the function failed (Payload is then the AWS error JSON).
type Result struct {
	Payload       []byte
	FunctionError string
	RequestID     string
}

// Manager owns the processes.
type Manager struct {
	cfg Config
}

// NewManager returns a manager; it starts nothing until the first invoke.
func NewManager(cfg Config) *Manager { return &Manager{cfg: cfg} }

// SetEndpointURL sets the URL injected as AWS_ENDPOINT_URL (known once the
// emulator listens).
func (m *Manager) SetEndpointURL(u string) { m.cfg.EndpointURL = u }

// Invoke runs payload through fn, starting or reusing a process.
func (m *Manager) Invoke(ctx context.Context, fn Function, payload []byte) (*Result, error) {
	return nil, errors.New("not implemented")
}

// Evict stops every process of the named function (after an update or delete).
func (m *Manager) Evict(name string) {}

// Close stops all processes and waits for them.
func (m *Manager) Close() error { return nil }
