// Package lambda emulates the Lambda REST-JSON API subset the project uses
// and executes functions through the native runtime manager.
package lambda

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/store"
)

// RoleLookup tells whether an execution role exists (IAM implements it).
type RoleLookup interface {
	RoleExists(arn string) bool
}

// Options configures the service.
type Options struct {
	Store   *store.Store
	Roles   RoleLookup
	Runtime *runtime.Manager
	// TransitionDelay is how long a new function stays Pending.
	TransitionDelay time.Duration
	// UpdateDelay is how long LastUpdateStatus stays InProgress after an
	// update of the code or the configuration.
	UpdateDelay time.Duration
	// WorkDir holds unpacked code and function logs (a temp dir when empty).
	WorkDir string
	// CodeDir, when set, holds the unpacked code instead of WorkDir: a
	// directory the functions' user can reach when WorkDir is not.
	CodeDir string
	// MaxAsyncInvocations bounds Event invocations running at once (default 64).
	MaxAsyncInvocations int
}

// Service is the Lambda emulator.
type Service struct {
	opts     Options
	workDir  string
	codeRoot string // unpacked code: opts.CodeDir, else workDir
	tempDir  string // created by New, removed by Close

	mu        sync.Mutex
	functions map[string]*function // by key(region, name)
	uploading map[string]bool      // names whose code is being stored, see claim
	uploads   *uploads             // bounds the memory of code uploads
	closed    bool                 // no Event invocation starts once set

	// Event invocations run in the background under bgCtx, bounded by asyncSlots.
	bgCtx      context.Context
	bgCancel   context.CancelFunc
	bg         sync.WaitGroup
	asyncSlots chan struct{}
	closeOnce  sync.Once
}

// New loads persisted functions from opts.Store, if any. Their code is
// unpacked again lazily, on first invoke.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		opts.Store = &store.Store{}
	}
	if opts.MaxAsyncInvocations <= 0 {
		opts.MaxAsyncInvocations = 64
	}
	s := &Service{opts: opts, workDir: opts.WorkDir, functions: map[string]*function{}, uploads: newUploads()}
	if s.workDir == "" {
		dir, err := os.MkdirTemp("", "lambda-")
		if err != nil {
			return nil, fmt.Errorf("failed to create lambda work dir: %w", err)
		}
		s.workDir, s.tempDir = dir, dir
	}
	s.codeRoot = opts.CodeDir
	if s.codeRoot == "" {
		s.codeRoot = s.workDir
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	s.asyncSlots = make(chan struct{}, opts.MaxAsyncInvocations)
	return s, nil
}

// Close cancels Event invocations still running, waits for them and removes
// the temporary work dir.
func (s *Service) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.bgCancel()
		s.bg.Wait()
		if s.tempDir != "" {
			if rmErr := os.RemoveAll(s.tempDir); rmErr != nil {
				err = fmt.Errorf("failed to remove lambda work dir: %w", rmErr)
			}
		}
	})
	return err
}

func (s *Service) now() time.Time { return time.Now() }

// lookup returns the live record; callers hold s.mu.
func (s *Service) lookup(region string, r ref) (*function, error) {
	if r.Region != "" {
		region = r.Region
	}
	if r.Qualifier != "" && r.Qualifier != latest {
		return nil, errNotFound(region, r.Name+":"+r.Qualifier)
	}
	f, ok := s.functions[key(region, r.Name)]
	if !ok {
		return nil, errNotFound(region, r.Name)
	}
	return f, nil
}

// evict stops warm processes of a function whose code or configuration
// changed or which was deleted.
func (s *Service) evict(arn string) {
	if s.opts.Runtime != nil {
		s.opts.Runtime.Evict(arn)
	}
}

var errNoRuntime = errors.New("no function runtime is configured")
