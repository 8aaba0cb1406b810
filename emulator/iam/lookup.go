package iam

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// What other parts of the emulator read from IAM: a role's unique id and
// policies (for the policy evaluation of calls made as the role) and the
// tags of a role (for aws:ResourceTag conditions).

// Document is a policy document and where it comes from.
type Document struct {
	Name string // e.g. "inline policy ctl of role r"
	JSON string
}

// RoleID returns the unique id (AROA…) of the role with this ARN.
func (s *Service) RoleID(arn string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.roleByARN(arn); r != nil {
		return r.ID, true
	}
	return "", false
}

// RolePolicies returns the identity policies of the role with this ARN:
// its inline policies, then the customer-managed policies attached to it.
// AWS-managed policies (arn:aws:iam::aws:policy/…) are not emulated: they
// are named in missing. ok is false when the role does not exist.
func (s *Service) RolePolicies(arn string) (docs []Document, missing []string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roleByARN(arn)
	if r == nil {
		return nil, nil, false
	}
	for _, name := range protocol.SortedKeys(r.Inline) {
		docs = append(docs, Document{Name: "inline policy " + name + " of role " + r.Name, JSON: r.Inline[name]})
	}
	for _, parn := range r.Attached {
		mp, found := s.st.Policies[parn]
		if !found {
			missing = append(missing, parn)
			continue
		}
		docs = append(docs, Document{Name: "managed policy " + parn, JSON: mp.Document})
	}
	return docs, missing, true
}

// RoleARN returns the ARN of the role named name (any case).
func (s *Service) RoleARN(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.Roles[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	return r.ARN, true
}

// ResourceTags returns the tags of the role with this ARN.
func (s *Service) ResourceTags(arn string) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roleByARN(arn)
	if r == nil {
		return nil, false
	}
	tags := make(map[string]string, len(r.Tags))
	for _, t := range r.Tags {
		tags[t.Key] = t.Value
	}
	return tags, true
}
