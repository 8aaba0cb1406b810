// Package apigateway emulates the API Gateway REST (v1) control plane and
// executes deployed APIs (AWS_PROXY integrations to Lambda).
package apigateway

import (
	"context"
	"net/http"

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
}

// Service is the API Gateway emulator.
type Service struct {
	opts Options
}

// New loads persisted APIs from opts.Store, if any.
func New(opts Options) (*Service, error) {
	return &Service{opts: opts}, nil
}

// ServeHTTP answers the control-plane API (/restapis, /apikeys, /usageplans).
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	protocol.WriteRESTJSONError(w, protocol.NotFound("NotFoundException", "not implemented"))
}

// ServeExecute calls a deployed API: stage and path ("/start", "/" ...) as
// extracted by the router from any of the three URL forms.
func (s *Service) ServeExecute(w http.ResponseWriter, r *http.Request, apiID, stage, path string) {
	protocol.WriteJSON(w, http.StatusForbidden, map[string]string{"message": "Missing Authentication Token"})
}
