// Package lambda emulates the Lambda REST-JSON API subset the project uses
// and executes functions through the native runtime manager.
package lambda

import (
	"context"
	"net/http"
	"time"

	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/protocol"
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
	// TransitionDelay is how long a function stays Pending / InProgress.
	TransitionDelay time.Duration
	// WorkDir holds unpacked code and function logs (a temp dir when empty).
	WorkDir string
}

// Service is the Lambda emulator.
type Service struct {
	opts Options
}

// New loads persisted functions from opts.Store, if any.
func New(opts Options) (*Service, error) {
	return &Service{opts: opts}, nil
}

// ServeHTTP answers the Lambda control-plane and Invoke API.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	protocol.WriteRESTJSONError(w, protocol.NotFound("ResourceNotFoundException", "not implemented"))
}

// InvokeFunction invokes a function by name or ARN synchronously, for API
// Gateway integrations. functionError is "" on success.
func (s *Service) InvokeFunction(ctx context.Context, region, ref string, payload []byte) (out []byte, functionError string, err error) {
	return nil, "", protocol.NotFound("ResourceNotFoundException", "Function not found: %s", ref)
}

// Close stops running functions.
func (s *Service) Close() error { return nil }
