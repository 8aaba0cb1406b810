// Package iam emulates the IAM Query API subset the project uses: roles,
// inline policies and attached managed policies.
package iam

import (
	"context"

	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/store"
)

// Options configures the service.
type Options struct {
	Store *store.Store
}

// Service is the IAM emulator.
type Service struct {
	opts Options
}

// New loads persisted state from opts.Store, if any.
func New(opts Options) (*Service, error) {
	return &Service{opts: opts}, nil
}

// Actions lists the Query actions this service answers.
func (s *Service) Actions() []string { return nil }

// HandleQuery answers one IAM Query call.
func (s *Service) HandleQuery(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	return nil, protocol.UnknownAction("iam", req.Action)
}

// RoleExists reports whether a role with this ARN exists (Lambda checks it).
func (s *Service) RoleExists(arn string) bool { return false }
