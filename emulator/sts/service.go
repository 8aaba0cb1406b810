// Package sts emulates STS GetCallerIdentity.
package sts

import (
	"context"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Service is the STS emulator.
type Service struct{}

// New returns the service.
func New() *Service { return &Service{} }

// Actions lists the Query actions this service answers.
func (s *Service) Actions() []string { return nil }

// HandleQuery answers one STS Query call.
func (s *Service) HandleQuery(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	return nil, protocol.UnknownAction("sts", req.Action)
}
