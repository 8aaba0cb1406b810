// Package iam emulates the IAM Query API subset the project uses: roles,
// inline policies, customer-managed policies and their attachments, and role
// tags. IAM is global: the request's region is ignored.
package iam

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
	"github.com/apidriven/api-driven/emulator/store"
)

// Namespace is the XML namespace of every IAM response.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// snapshotName is the store file the state is saved under.
const snapshotName = "iam"

// Options configures the service.
type Options struct {
	Store *store.Store
	// Now stamps CreateDate; time.Now when nil.
	Now func() time.Time
}

// Service is the IAM emulator.
type Service struct {
	opts     Options
	mu       sync.Mutex
	st       state
	handlers map[string]handler
}

// handler answers one action with the content of its <Action>Result element,
// or nil when the action returns none.
type handler func(p params) (any, error)

// state is everything IAM persists. Roles are keyed by lower-cased name
// because IAM names are unique regardless of case.
type state struct {
	Roles    map[string]*role          `json:"roles"`
	Policies map[string]*managedPolicy `json:"policies"` // by ARN
}

type role struct {
	Name               string            `json:"name"`
	Path               string            `json:"path"`
	ID                 string            `json:"id"`
	ARN                string            `json:"arn"`
	TrustPolicy        string            `json:"trustPolicy"`
	Description        string            `json:"description,omitempty"`
	MaxSessionDuration int               `json:"maxSessionDuration"`
	Created            time.Time         `json:"created"`
	Tags               []tag             `json:"tags,omitempty"`
	Inline             map[string]string `json:"inline,omitempty"` // policy name -> document
	Attached           []string          `json:"attached,omitempty"`
}

type managedPolicy struct {
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	ID          string    `json:"id"`
	ARN         string    `json:"arn"`
	Document    string    `json:"document"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
	Tags        []tag     `json:"tags,omitempty"`
}

// New loads persisted state from opts.Store, if any.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{opts: opts, st: state{Roles: map[string]*role{}, Policies: map[string]*managedPolicy{}}}
	if _, err := opts.Store.Load(snapshotName, &s.st); err != nil {
		return nil, err // says which file; the server says which service
	}
	s.st.normalize()
	s.handlers = map[string]handler{
		"CreateRole":               s.createRole,
		"GetRole":                  s.getRole,
		"DeleteRole":               s.deleteRole,
		"ListRoles":                s.listRoles,
		"UpdateRole":               s.updateRole,
		"UpdateAssumeRolePolicy":   s.updateAssumeRolePolicy,
		"PutRolePolicy":            s.putRolePolicy,
		"GetRolePolicy":            s.getRolePolicy,
		"DeleteRolePolicy":         s.deleteRolePolicy,
		"ListRolePolicies":         s.listRolePolicies,
		"AttachRolePolicy":         s.attachRolePolicy,
		"DetachRolePolicy":         s.detachRolePolicy,
		"ListAttachedRolePolicies": s.listAttachedRolePolicies,
		"CreatePolicy":             s.createPolicy,
		"GetPolicy":                s.getPolicy,
		"DeletePolicy":             s.deletePolicy,
		"ListPolicies":             s.listPolicies,
		"TagRole":                  s.tagRole,
		"UntagRole":                s.untagRole,
		"ListRoleTags":             s.listRoleTags,
	}
	return s, nil
}

// Actions lists the Query actions this service answers.
func (s *Service) Actions() []string {
	names := make([]string, 0, len(s.handlers))
	for a := range s.handlers {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

// HandleQuery answers one IAM Query call.
func (s *Service) HandleQuery(_ context.Context, req *protocol.QueryRequest) (any, error) {
	h, ok := s.handlers[req.Action]
	if !ok {
		return nil, protocol.UnknownAction("iam", req.Action)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	result, err := h(params{req.Params})
	if err != nil {
		return nil, err
	}
	return protocol.QueryResponse{Action: req.Action, Namespace: Namespace, RequestID: req.RequestID, Result: result}, nil
}

// RoleExists reports whether a role with exactly this ARN exists (Lambda
// checks a function's execution role with it).
func (s *Service) RoleExists(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.roleByARN(arn) != nil
}

// roleByARN is the role with exactly this ARN, or nil; callers hold s.mu.
func (s *Service) roleByARN(arn string) *role {
	i := strings.LastIndex(arn, "/")
	if i < 0 {
		return nil
	}
	r, ok := s.st.Roles[strings.ToLower(arn[i+1:])]
	if !ok || r.ARN != arn {
		return nil
	}
	return r
}

// normalize fills the maps a snapshot (or a fresh start) may lack.
func (st *state) normalize() {
	if st.Roles == nil {
		st.Roles = map[string]*role{}
	}
	if st.Policies == nil {
		st.Policies = map[string]*managedPolicy{}
	}
}

// save snapshots the state after a mutation; callers hold s.mu. When the
// snapshot cannot be written, the state goes back to the one last saved,
// so the change is not applied, and the caller gets IAM's 500.
func (s *Service) save() error {
	err := s.opts.Store.Save(snapshotName, &s.st)
	if err == nil {
		return nil
	}
	if rerr := s.opts.Store.Revert(snapshotName, &s.st); rerr != nil {
		err = errors.Join(err, rerr)
	}
	s.st.normalize()
	return protocol.Errorf(http.StatusInternalServerError, "ServiceFailure",
		"The change was not applied: the emulator could not save IAM state (%v)", err)
}

// now is the timestamp for new entities, at the second precision AWS shows.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

// findRole returns the role or IAM's NoSuchEntity error.
// roleParam is the role named by the RoleName parameter.
func (s *Service) roleParam(p params) (*role, error) {
	name, err := p.name("RoleName", 64)
	if err != nil {
		return nil, err
	}
	return s.findRole(name)
}

func (s *Service) findRole(name string) (*role, error) {
	r, ok := s.st.Roles[strings.ToLower(name)]
	if !ok {
		return nil, protocol.NotFound("NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	return r, nil
}

// isoTime renders a timestamp as IAM does (ISO 8601, UTC).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
