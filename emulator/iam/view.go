package iam

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"time"
)

// RoleView is a role as the console's resource browser shows it, with its
// policy documents as JSON (the console indents them).
type RoleView struct {
	Name        string          `json:"roleName"`
	ARN         string          `json:"arn"`
	Path        string          `json:"path"`
	Description string          `json:"description,omitempty"`
	Created     time.Time       `json:"createDate"`
	TrustPolicy json.RawMessage `json:"assumeRolePolicyDocument"`
	Policies    []PolicyView    `json:"policies"`
}

// PolicyView is one identity policy of a role.
type PolicyView struct {
	Name string `json:"name"`
	// Kind is "inline" or "managed"; a managed policy this emulator does
	// not hold (AWS-managed) has no document.
	Kind     string          `json:"kind"`
	ARN      string          `json:"arn,omitempty"`
	Document json.RawMessage `json:"document,omitempty"`
}

// Roles lists the roles by name.
func (s *Service) Roles() []RoleView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RoleView, 0, len(s.st.Roles))
	for _, r := range s.st.Roles {
		v := RoleView{Name: r.Name, ARN: r.ARN, Path: r.Path, Description: r.Description, Created: r.Created.UTC(),
			TrustPolicy: readable(r.TrustPolicy), Policies: []PolicyView{}}
		names := make([]string, 0, len(r.Inline))
		for name := range r.Inline {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			v.Policies = append(v.Policies, PolicyView{Name: name, Kind: "inline", Document: readable(r.Inline[name])})
		}
		for _, arn := range r.Attached {
			p := PolicyView{Name: arn[strings.LastIndex(arn, "/")+1:], Kind: "managed", ARN: arn}
			if mp, ok := s.st.Policies[arn]; ok {
				p.Document = readable(mp.defaultDocument())
			}
			v.Policies = append(v.Policies, p)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// readable is a policy document as JSON (documents may be stored
// URL-encoded, as IAM returns them), or a JSON string when it is not JSON.
func readable(doc string) json.RawMessage {
	if json.Valid([]byte(doc)) {
		return json.RawMessage(doc)
	}
	if dec, err := url.QueryUnescape(doc); err == nil && json.Valid([]byte(dec)) {
		return json.RawMessage(dec)
	}
	s, _ := json.Marshal(doc)
	return s
}
