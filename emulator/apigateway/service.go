// Package apigateway emulates the API Gateway REST (v1) control plane and
// executes deployed APIs (AWS_PROXY integrations to Lambda, MOCK).
package apigateway

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/store"
)

// Invoker invokes a Lambda function by name or ARN (the Lambda service).
type Invoker interface {
	InvokeFunction(ctx context.Context, region, ref string, payload []byte) (out []byte, functionError string, err error)
}

// Options configures the service.
type Options struct {
	Store   *store.Store
	Invoker Invoker
	// IAMAuth checks AWS_IAM methods; nil leaves them open.
	IAMAuth IAMAuthorizer
	// Logger receives why an execution failed (a malformed Lambda reply, an
	// unsupported integration); slog.Default() when nil.
	Logger *slog.Logger
	// Now is the clock, time.Now when nil (tests pin it).
	Now func() time.Time
}

// Service is the API Gateway emulator.
type Service struct {
	opts Options
	log  *slog.Logger

	mu sync.RWMutex
	st state

	// In memory only, as AWS's are best-effort: authorizer results and
	// usage-plan rate limiters and quota counters.
	authCache authCache
	limits    usageLimits
}

// stateName is the snapshot file in the data directory.
const stateName = "apigateway"

// state is everything the service persists, saved whole after each mutation.
type state struct {
	APIs       map[string]*restAPI   `json:"apis"`
	APIKeys    map[string]*apiKey    `json:"apiKeys"`
	UsagePlans map[string]*usagePlan `json:"usagePlans"`
}

// New loads persisted APIs from opts.Store, if any.
func New(opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{opts: opts, log: opts.Logger}
	if _, err := opts.Store.Load(stateName, &s.st); err != nil {
		return nil, err // says which file; the server says which service
	}
	s.st.normalize()
	return s, nil
}

// normalize fills the maps a snapshot (or a fresh start) may lack, so that
// handlers never write to a nil map.
func (st *state) normalize() {
	if st.APIs == nil {
		st.APIs = map[string]*restAPI{}
	}
	if st.APIKeys == nil {
		st.APIKeys = map[string]*apiKey{}
	}
	if st.UsagePlans == nil {
		st.UsagePlans = map[string]*usagePlan{}
	}
	for _, a := range st.APIs {
		a.normalize()
	}
}

// commit saves the snapshot; callers hold s.mu for writing. When it cannot
// be written, the state goes back to the one last saved, so the change is
// not applied, and the caller gets a 500.
func (s *Service) commit() *protocol.Error {
	err := s.opts.Store.Save(stateName, &s.st)
	if err == nil {
		return nil
	}
	if rerr := s.opts.Store.Revert(stateName, &s.st); rerr != nil {
		err = errors.Join(err, rerr)
	}
	s.st.normalize()
	s.log.Error("apigateway: failed to persist state, change reverted", "err", err)
	return protocol.Errorf(500, "InternalFailure", "The change was not applied: the emulator could not save API Gateway state (%v)", err)
}

func (s *Service) now() time.Time { return s.opts.Now().UTC() }

// visible reports whether a record of owner's region answers in region.
// Records saved before regions were kept have none and answer in all (and
// see all, for the region "" they carry).
func visible(owner, region string) bool { return owner == "" || region == "" || owner == region }
