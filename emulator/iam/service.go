// Package iam emulates the IAM Query API: roles, users and their access
// keys, inline and customer-managed policies (with versions) and their
// attachments, instance profiles, and tags. IAM is global: the request's
// region is ignored. Access keys created here sign requests: the service
// is the credential registry's source of them (see AccessKey).
package iam

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
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
	started  time.Time // the account root's CreateDate
	mu       sync.Mutex
	st       state
	handlers map[string]handler
	// generation counts the mutations of st (every one is saved): what
	// was read from IAM at one generation holds until it changes.
	generation atomic.Uint64

	usedMu   sync.Mutex
	lastUsed map[string]lastUse // by access key id; kept in memory only
}

// handler answers one action with the content of its <Action>Result element,
// or nil when the action returns none.
type handler func(p params) (any, error)

// lastUse is when and where an access key last signed a call.
type lastUse struct {
	at              time.Time
	service, region string
}

// state is everything IAM persists, secrets of access keys included (it
// is an emulator: they must survive a restart to keep signing). Roles,
// users and instance profiles are keyed by lower-cased name because IAM
// names are unique regardless of case.
type state struct {
	Roles            map[string]*role            `json:"roles"`
	Policies         map[string]*managedPolicy   `json:"policies"` // by ARN
	Users            map[string]*user            `json:"users,omitempty"`
	AccessKeys       map[string]*accessKey       `json:"accessKeys,omitempty"` // by access key id
	InstanceProfiles map[string]*instanceProfile `json:"instanceProfiles,omitempty"`
}

type role struct {
	Name               string    `json:"name"`
	Path               string    `json:"path"`
	ID                 string    `json:"id"`
	ARN                string    `json:"arn"`
	TrustPolicy        string    `json:"trustPolicy"`
	Description        string    `json:"description,omitempty"`
	MaxSessionDuration int       `json:"maxSessionDuration"`
	Created            time.Time `json:"created"`
	Tags               []tag     `json:"tags,omitempty"`
	policyHolder
}

type managedPolicy struct {
	Name string `json:"name"`
	Path string `json:"path"`
	ID   string `json:"id"`
	ARN  string `json:"arn"`
	// Document is the only document of snapshots written before policy
	// versions; loading makes it v1.
	Document       string          `json:"document,omitempty"`
	Versions       []policyVersion `json:"versions"`
	DefaultVersion string          `json:"defaultVersion"`
	NextVersion    int             `json:"nextVersion"` // version ids are never reused
	Description    string          `json:"description,omitempty"`
	Created        time.Time       `json:"created"`
	Tags           []tag           `json:"tags,omitempty"`
}

// New loads persisted state from opts.Store, if any.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{opts: opts, started: opts.Now().UTC().Truncate(time.Second), lastUsed: map[string]lastUse{}}
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
		"PutRolePolicy":            s.putInline(roles),
		"GetRolePolicy":            s.getInline(roles),
		"DeleteRolePolicy":         s.deleteInline(roles),
		"ListRolePolicies":         s.listInline(roles),
		"AttachRolePolicy":         s.attach(roles),
		"DetachRolePolicy":         s.detach(roles),
		"ListAttachedRolePolicies": s.listAttached(roles),
		"TagRole":                  s.tag(taggedRoles),
		"UntagRole":                s.untag(taggedRoles),
		"ListRoleTags":             s.listTags(taggedRoles),

		"CreatePolicy":            s.createPolicy,
		"GetPolicy":               s.getPolicy,
		"DeletePolicy":            s.deletePolicy,
		"ListPolicies":            s.listPolicies,
		"CreatePolicyVersion":     s.createPolicyVersion,
		"GetPolicyVersion":        s.getPolicyVersion,
		"ListPolicyVersions":      s.listPolicyVersions,
		"SetDefaultPolicyVersion": s.setDefaultPolicyVersion,
		"DeletePolicyVersion":     s.deletePolicyVersion,

		"CreateUser":               s.createUser,
		"GetUser":                  s.getUser,
		"ListUsers":                s.listUsers,
		"DeleteUser":               s.deleteUser,
		"PutUserPolicy":            s.putInline(users),
		"GetUserPolicy":            s.getInline(users),
		"DeleteUserPolicy":         s.deleteInline(users),
		"ListUserPolicies":         s.listInline(users),
		"AttachUserPolicy":         s.attach(users),
		"DetachUserPolicy":         s.detach(users),
		"ListAttachedUserPolicies": s.listAttached(users),
		"TagUser":                  s.tag(taggedUsers),
		"UntagUser":                s.untag(taggedUsers),
		"ListUserTags":             s.listTags(taggedUsers),
		"CreateAccessKey":          s.createAccessKey,
		"ListAccessKeys":           s.listAccessKeys,
		"UpdateAccessKey":          s.updateAccessKey,
		"DeleteAccessKey":          s.deleteAccessKey,
		"GetAccessKeyLastUsed":     s.getAccessKeyLastUsed,

		"CreateInstanceProfile":         s.createInstanceProfile,
		"GetInstanceProfile":            s.getInstanceProfile,
		"DeleteInstanceProfile":         s.deleteInstanceProfile,
		"ListInstanceProfiles":          s.listInstanceProfiles,
		"ListInstanceProfilesForRole":   s.listInstanceProfilesForRole,
		"AddRoleToInstanceProfile":      s.addRoleToInstanceProfile,
		"RemoveRoleFromInstanceProfile": s.removeRoleFromInstanceProfile,
		"TagInstanceProfile":            s.tag(taggedProfiles),
		"UntagInstanceProfile":          s.untag(taggedProfiles),
		"ListInstanceProfileTags":       s.listTags(taggedProfiles),
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
func (s *Service) HandleQuery(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	h, ok := s.handlers[req.Action]
	if !ok {
		return nil, protocol.UnknownAction("iam", req.Action)
	}
	caller, ok := auth.PrincipalFrom(ctx)
	if !ok {
		caller = auth.RootPrincipal(protocol.AccountID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	result, err := h(params{v: req.Params, caller: caller})
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
	if st.Users == nil {
		st.Users = map[string]*user{}
	}
	if st.AccessKeys == nil {
		st.AccessKeys = map[string]*accessKey{}
	}
	if st.InstanceProfiles == nil {
		st.InstanceProfiles = map[string]*instanceProfile{}
	}
	for _, mp := range st.Policies {
		mp.migrateVersions()
	}
}

// save snapshots the state after a mutation; callers hold s.mu. When the
// snapshot cannot be written, the state goes back to the one last saved,
// so the change is not applied, and the caller gets IAM's 500.
func (s *Service) save() error {
	defer s.generation.Add(1) // applied or reverted, st was touched
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

// roleParam is the role named by the RoleName parameter.
func (s *Service) roleParam(p params) (*role, error) {
	name, err := p.name("RoleName", 64)
	if err != nil {
		return nil, err
	}
	return s.findRole(name)
}

// findRole returns the role or IAM's NoSuchEntity error.
func (s *Service) findRole(name string) (*role, error) {
	r, ok := s.st.Roles[strings.ToLower(name)]
	if !ok {
		return nil, protocol.NotFound("NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	return r, nil
}

// isoTime renders a timestamp as IAM does (ISO 8601, UTC).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
