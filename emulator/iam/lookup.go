package iam

import "strings"

// What other parts of the emulator read from IAM: a role's unique id, the
// policies of roles and users (for the policy evaluation of their calls)
// and the tags of IAM resources (for aws:ResourceTag conditions).

// Document is a policy document and where it comes from.
type Document struct {
	Name string // e.g. "inline policy ctl of role r"
	JSON string
}

// Generation changes with every change of IAM's state: the policies of a
// role or user read at one generation hold until it changes.
func (s *Service) Generation() uint64 { return s.generation.Load() }

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
// its inline policies, then the customer-managed policies attached to it
// (their default version). AWS-managed policies (arn:aws:iam::aws:policy/…)
// are not emulated: they are named in missing. ok is false when the role
// does not exist.
func (s *Service) RolePolicies(arn string) (docs []Document, missing []string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roleByARN(arn)
	if r == nil {
		return nil, nil, false
	}
	docs, missing = s.documents(&r.policyHolder, "role "+r.Name)
	return docs, missing, true
}

// UserPolicies is RolePolicies for the user with this ARN.
func (s *Service) UserPolicies(arn string) (docs []Document, missing []string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByARN(arn)
	if u == nil {
		return nil, nil, false
	}
	docs, missing = s.documents(&u.policyHolder, "user "+u.Name)
	return docs, missing, true
}

// EntityARN returns the ARN of the role, user or instance profile (kind
// "role", "user", "instance-profile") named name, in any case.
func (s *Service) EntityARN(kind, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(name)
	switch kind {
	case "role":
		if r, ok := s.st.Roles[key]; ok {
			return r.ARN, true
		}
	case "user":
		if u, ok := s.st.Users[key]; ok {
			return u.ARN, true
		}
	case "instance-profile":
		if ip, ok := s.st.InstanceProfiles[key]; ok {
			return ip.ARN, true
		}
	}
	return "", false
}

// ResourceTags returns the tags of the role, user or instance profile
// with this ARN.
func (s *Service) ResourceTags(arn string) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var tags []tag
	switch {
	case strings.Contains(arn, ":role/"):
		r := s.roleByARN(arn)
		if r == nil {
			return nil, false
		}
		tags = r.Tags
	case strings.Contains(arn, ":user/"):
		u := s.userByARN(arn)
		if u == nil {
			return nil, false
		}
		tags = u.Tags
	case strings.Contains(arn, ":instance-profile/"):
		ip, ok := s.st.InstanceProfiles[strings.ToLower(arn[strings.LastIndex(arn, "/")+1:])]
		if !ok || ip.ARN != arn {
			return nil, false
		}
		tags = ip.Tags
	default:
		return nil, false
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out, true
}
