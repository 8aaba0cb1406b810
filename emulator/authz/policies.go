package authz

import (
	"fmt"
	"sync"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/iam"
	"github.com/apidriven/api-driven/emulator/iampolicy"
)

// PolicySource gives the identity policies of a principal. An error means
// they cannot be evaluated (a document that does not parse): the call is
// then denied, saying why.
type PolicySource interface {
	PoliciesOf(p auth.Principal) ([]*iampolicy.Policy, error)
}

// PolicyReader is the part of IAM that PoliciesFromIAM reads.
type PolicyReader interface {
	RolePolicies(arn string) (docs []iam.Document, missing []string, ok bool)
	UserPolicies(arn string) (docs []iam.Document, missing []string, ok bool)
	// Generation changes whenever IAM's state does.
	Generation() uint64
}

// PoliciesFromIAM reads the policies of a role session's role or of a
// user from IAM: inline and attached customer-managed policies (at their
// default version). Parsed documents are cached by their text, and each
// principal's policies until IAM's state changes (its Generation).
type PoliciesFromIAM struct {
	IAM PolicyReader

	mu         sync.Mutex
	parsed     map[string]*iampolicy.Policy
	generation uint64                       // of IAM, when byOwner was filled
	byOwner    map[string]principalPolicies // by "role "/"user " + ARN
}

type principalPolicies struct {
	policies []*iampolicy.Policy
	err      error
}

// maxCached bounds the parse cache; it is emptied when full.
const maxCached = 256

// PoliciesOf implements PolicySource. Unknown roles and users (deleted
// since the credentials were issued) have no policies: everything is
// denied by default. A user's session credentials (GetSessionToken) act
// with the user's policies.
func (s *PoliciesFromIAM) PoliciesOf(p auth.Principal) ([]*iampolicy.Policy, error) {
	var owner string
	switch {
	case p.Kind == auth.KindAssumedRole && p.RoleARN != "":
		owner = "role " + p.RoleARN
	case p.Kind == auth.KindUser:
		owner = "user " + p.ARN
	default:
		return nil, nil
	}
	// Read before the policies: a change after it makes the entry stale
	// by the next call.
	gen := s.IAM.Generation()
	s.mu.Lock()
	if gen != s.generation || s.byOwner == nil || len(s.byOwner) >= maxCached {
		s.generation, s.byOwner = gen, map[string]principalPolicies{}
	}
	cached, ok := s.byOwner[owner]
	s.mu.Unlock()
	if ok {
		return cached.policies, cached.err
	}
	cached.policies, cached.err = s.read(p)
	s.mu.Lock()
	if s.generation == gen {
		s.byOwner[owner] = cached
	}
	s.mu.Unlock()
	return cached.policies, cached.err
}

// read reads and parses p's policies from IAM.
func (s *PoliciesFromIAM) read(p auth.Principal) ([]*iampolicy.Policy, error) {
	var (
		docs []iam.Document
		ok   bool
	)
	if p.Kind == auth.KindUser {
		docs, _, ok = s.IAM.UserPolicies(p.ARN)
	} else {
		docs, _, ok = s.IAM.RolePolicies(p.RoleARN)
	}
	if !ok {
		return nil, nil
	}
	out := make([]*iampolicy.Policy, 0, len(docs))
	for _, d := range docs {
		pol, err := s.parse(d.JSON)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
		named := *pol
		named.Name = d.Name
		out = append(out, &named)
	}
	return out, nil
}

func (s *PoliciesFromIAM) parse(doc string) (*iampolicy.Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.parsed[doc]; ok {
		return p, nil
	}
	p, err := iampolicy.Parse(doc)
	if err != nil {
		return nil, err
	}
	if s.parsed == nil || len(s.parsed) >= maxCached {
		s.parsed = map[string]*iampolicy.Policy{}
	}
	s.parsed[doc] = p
	return p, nil
}
