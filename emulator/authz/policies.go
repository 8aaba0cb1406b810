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

// RolePolicyReader is the part of IAM that PoliciesFromIAM reads.
type RolePolicyReader interface {
	RolePolicies(arn string) (docs []iam.Document, missing []string, ok bool)
}

// PoliciesFromIAM reads a role session's policies from IAM: the role's
// inline and attached customer-managed policies. Parsed documents are
// cached by their text.
type PoliciesFromIAM struct {
	IAM RolePolicyReader

	mu     sync.Mutex
	parsed map[string]*iampolicy.Policy
}

// maxCached bounds the parse cache; it is emptied when full.
const maxCached = 256

// PoliciesOf implements PolicySource. Users and unknown roles have no
// policies (everything is denied by default).
func (s *PoliciesFromIAM) PoliciesOf(p auth.Principal) ([]*iampolicy.Policy, error) {
	if p.Kind != auth.KindAssumedRole || p.RoleARN == "" {
		return nil, nil
	}
	docs, _, ok := s.IAM.RolePolicies(p.RoleARN)
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
