// Package ec2 emulates the EC2 Query API subset the project uses: instances
// with AWS's state machine, tags, images and instance status.
package ec2

import (
	"context"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/store"
)

// Options configures the service.
type Options struct {
	Store *store.Store
	// TransitionDelay is how long pending, stopping and shutting-down last.
	TransitionDelay time.Duration
}

// Service is the EC2 emulator.
type Service struct {
	opts Options
}

// New loads persisted state from opts.Store, if any.
func New(opts Options) (*Service, error) {
	return &Service{opts: opts}, nil
}

// Actions lists the Query actions this service answers.
func (s *Service) Actions() []string { return nil }

// HandleQuery answers one EC2 Query call.
func (s *Service) HandleQuery(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	return nil, protocol.UnknownAction("ec2", req.Action)
}
