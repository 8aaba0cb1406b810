package iam

import (
	"slices"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// policyHolder is what a role and a user share: inline policies and
// attached managed policies. Embedded, its fields persist as the role's
// and the user's own.
type policyHolder struct {
	Inline   map[string]string `json:"inline,omitempty"` // policy name -> document
	Attached []string          `json:"attached,omitempty"`
}

// holderKind says how the calls of one kind of identity name it.
type holderKind struct {
	noun    string // "role", "user"
	param   string // "RoleName", "UserName"
	maxName int
	quota   string // the AWS quota on attached policies
}

var (
	roles = holderKind{noun: "role", param: "RoleName", maxName: 64, quota: "PoliciesPerRole"}
	users = holderKind{noun: "user", param: "UserName", maxName: 128, quota: "PoliciesPerUser"}
)

// maxAttached is the most managed policies IAM lets a role or user have:
// its quota raised as far as it goes (the default quota is lower), so that
// no script that works on AWS fails here.
const maxAttached = 20

// holder finds the identity the request names: its policies and its name
// as stored.
func (s *Service) holder(k holderKind, p params) (*policyHolder, string, error) {
	name, err := p.name(k.param, k.maxName)
	if err != nil {
		return nil, "", err
	}
	if k == users {
		u, err := s.findUser(name)
		if err != nil {
			return nil, "", err
		}
		return &u.policyHolder, u.Name, nil
	}
	r, err := s.findRole(name)
	if err != nil {
		return nil, "", err
	}
	return &r.policyHolder, r.Name, nil
}

// conflict is DeleteConflict when the holder still has policies.
func (h *policyHolder) conflict() error {
	if len(h.Inline) > 0 {
		return protocol.Conflict("DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	if len(h.Attached) > 0 {
		return protocol.Conflict("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	return nil
}

// --- inline policies: Put/Get/Delete/List{Role,User}Policy ---

func (s *Service) putInline(k holderKind) handler {
	return func(p params) (any, error) {
		policyName, err := p.name("PolicyName", 128)
		if err != nil {
			return nil, err
		}
		doc, err := p.policyDocument("PolicyDocument")
		if err != nil {
			return nil, err
		}
		h, _, err := s.holder(k, p)
		if err != nil {
			return nil, err
		}
		if h.Inline == nil {
			h.Inline = map[string]string{}
		}
		h.Inline[policyName] = doc
		return nil, s.save()
	}
}

func (s *Service) getInline(k holderKind) handler {
	return func(p params) (any, error) {
		h, name, policyName, err := s.inlineTarget(k, p)
		if err != nil {
			return nil, err
		}
		out := getInlinePolicyResult{PolicyName: policyName, PolicyDocument: protocol.PolicyEscape(h.Inline[policyName])}
		if k == users {
			out.UserName = name
		} else {
			out.RoleName = name
		}
		return out, nil
	}
}

func (s *Service) deleteInline(k holderKind) handler {
	return func(p params) (any, error) {
		h, _, policyName, err := s.inlineTarget(k, p)
		if err != nil {
			return nil, err
		}
		delete(h.Inline, policyName)
		return nil, s.save()
	}
}

func (s *Service) listInline(k holderKind) handler {
	return func(p params) (any, error) {
		h, _, err := s.holder(k, p)
		if err != nil {
			return nil, err
		}
		keys := protocol.SortedKeys(h.Inline)
		pg, err := p.paginate(keys)
		if err != nil {
			return nil, err
		}
		out := listInlinePoliciesResult{IsTruncated: pg.truncated, Marker: pg.marker}
		out.PolicyNames.Items = append([]string{}, keys[pg.start:pg.end]...)
		return out, nil
	}
}

// inlineTarget is the holder and the existing inline policy a call names.
func (s *Service) inlineTarget(k holderKind, p params) (*policyHolder, string, string, error) {
	policyName, err := p.name("PolicyName", 128)
	if err != nil {
		return nil, "", "", err
	}
	h, name, err := s.holder(k, p)
	if err != nil {
		return nil, "", "", err
	}
	if _, ok := h.Inline[policyName]; !ok {
		return nil, "", "", protocol.NotFound("NoSuchEntity", "The %s policy with name %s cannot be found.", k.noun, policyName)
	}
	return h, name, policyName, nil
}

// --- attached managed policies: Attach/Detach/ListAttached{Role,User}Policies ---

func (s *Service) attach(k holderKind) handler {
	return func(p params) (any, error) {
		arn, err := p.policyARNParam()
		if err != nil {
			return nil, err
		}
		h, _, err := s.holder(k, p)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(arn, awsManagedPrefix) {
			if _, ok := s.st.Policies[arn]; !ok {
				return nil, protocol.NotFound("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
			}
		}
		if slices.Contains(h.Attached, arn) {
			return nil, nil // attaching twice is a no-op in IAM
		}
		if len(h.Attached) >= maxAttached {
			return nil, protocol.Conflict("LimitExceeded", "Cannot exceed quota for %s: %d", k.quota, maxAttached)
		}
		h.Attached = append(h.Attached, arn)
		return nil, s.save()
	}
}

func (s *Service) detach(k holderKind) handler {
	return func(p params) (any, error) {
		arn, err := p.policyARNParam()
		if err != nil {
			return nil, err
		}
		h, _, err := s.holder(k, p)
		if err != nil {
			return nil, err
		}
		i := slices.Index(h.Attached, arn)
		if i < 0 {
			return nil, protocol.NotFound("NoSuchEntity", "Policy %s was not found.", arn)
		}
		h.Attached = slices.Delete(h.Attached, i, i+1)
		return nil, s.save()
	}
}

func (s *Service) listAttached(k holderKind) handler {
	return func(p params) (any, error) {
		prefix, err := p.pathPrefix()
		if err != nil {
			return nil, err
		}
		h, _, err := s.holder(k, p)
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, arn := range h.Attached {
			if strings.HasPrefix(s.policyPath(arn), prefix) {
				keys = append(keys, arn)
			}
		}
		slices.Sort(keys)
		pg, err := p.paginate(keys)
		if err != nil {
			return nil, err
		}
		out := listAttachedResult{IsTruncated: pg.truncated, Marker: pg.marker}
		out.AttachedPolicies.Items = []attachedPolicyXML{}
		for _, arn := range keys[pg.start:pg.end] {
			out.AttachedPolicies.Items = append(out.AttachedPolicies.Items, attachedPolicyXML{PolicyName: policyName(arn), PolicyArn: arn})
		}
		return out, nil
	}
}

// attachments counts the roles and users a managed policy is attached to.
func (s *Service) attachments(arn string) int {
	n := 0
	for _, r := range s.st.Roles {
		if slices.Contains(r.Attached, arn) {
			n++
		}
	}
	for _, u := range s.st.Users {
		if slices.Contains(u.Attached, arn) {
			n++
		}
	}
	return n
}

// documents are the identity policies of a holder, for evaluation:
// inline ones, then attached customer-managed ones at their default
// version. AWS-managed policies are not emulated: they are named in
// missing.
func (s *Service) documents(h *policyHolder, owner string) (docs []Document, missing []string) {
	for _, name := range protocol.SortedKeys(h.Inline) {
		docs = append(docs, Document{Name: "inline policy " + name + " of " + owner, JSON: h.Inline[name]})
	}
	for _, parn := range h.Attached {
		mp, found := s.st.Policies[parn]
		if !found {
			missing = append(missing, parn)
			continue
		}
		docs = append(docs, Document{Name: "managed policy " + parn + " (" + mp.DefaultVersion + ")", JSON: mp.defaultDocument()})
	}
	return docs, missing
}
