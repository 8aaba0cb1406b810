package iam

import (
	"crypto/sha256"
	"regexp"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// awsManagedPrefix starts the ARN of every AWS-managed policy; the emulator
// accepts any of them without keeping a catalog.
const awsManagedPrefix = "arn:aws:iam::aws:policy/"

// policyARNPattern is the shape of a managed policy ARN (account or "aws").
var policyARNPattern = regexp.MustCompile(`^arn:aws:iam::(aws|\d{12}):policy(/[\x21-\x7E]*)?/[\w+=,.@-]+$`)

func policyARN(path, name string) string {
	return "arn:aws:iam::" + protocol.AccountID + ":policy" + path + name
}

// --- attached managed policies ---

// policyARNParam validates PolicyArn: InvalidInput when it is no policy ARN.
func (p params) policyARNParam() (string, error) {
	arn, err := p.required("PolicyArn")
	if err != nil {
		return "", err
	}
	if len(arn) < 20 || len(arn) > 2048 || !policyARNPattern.MatchString(arn) {
		return "", protocol.BadRequest("InvalidInput", "ARN %s is not valid.", arn)
	}
	return arn, nil
}

// policyName is the name an ARN ends with.
func policyName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// policyPath is the path part of a managed policy ARN.
func (s *Service) policyPath(arn string) string {
	if mp, ok := s.st.Policies[arn]; ok {
		return mp.Path
	}
	rest := arn[strings.Index(arn, ":policy")+len(":policy"):]
	return rest[:strings.LastIndex(rest, "/")+1]
}

// --- customer-managed policies ---

func (s *Service) createPolicy(p params) (any, error) {
	name, err := p.name("PolicyName", 128)
	if err != nil {
		return nil, err
	}
	path, err := p.path("Path")
	if err != nil {
		return nil, err
	}
	doc, err := p.policyDocument("PolicyDocument")
	if err != nil {
		return nil, err
	}
	desc, err := p.description()
	if err != nil {
		return nil, err
	}
	tags, err := p.tags()
	if err != nil {
		return nil, err
	}
	for _, mp := range s.st.Policies {
		if strings.EqualFold(mp.Name, name) {
			return nil, protocol.Conflict("EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	now := s.now()
	mp := &managedPolicy{Name: name, Path: path, ID: uniqueID("ANPA"), ARN: policyARN(path, name), Description: desc, Created: now, Tags: tags,
		Versions: []policyVersion{{ID: "v1", Document: doc, Created: now}}, DefaultVersion: "v1", NextVersion: 2}
	s.st.Policies[mp.ARN] = mp
	if err := s.save(); err != nil {
		return nil, err
	}
	return policyResult{Policy: s.policyXML(mp)}, nil
}

func (s *Service) getPolicy(p params) (any, error) {
	arn, err := p.policyARNParam()
	if err != nil {
		return nil, err
	}
	if mp, ok := s.st.Policies[arn]; ok {
		return policyResult{Policy: s.policyXML(mp)}, nil
	}
	if strings.HasPrefix(arn, awsManagedPrefix) {
		// No catalog: describe the AWS-managed policy from its ARN.
		mp := &managedPolicy{Name: policyName(arn), Path: s.policyPath(arn), ID: stableID("ANPA", arn), ARN: arn, DefaultVersion: "v1"}
		return policyResult{Policy: s.policyXML(mp)}, nil
	}
	return nil, protocol.NotFound("NoSuchEntity", "Policy %s was not found.", arn)
}

func (s *Service) deletePolicy(p params) (any, error) {
	arn, err := p.policyARNParam()
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(arn, awsManagedPrefix) {
		return nil, protocol.BadRequest("InvalidInput", "Cannot delete AWS managed policy %s.", arn)
	}
	if _, ok := s.st.Policies[arn]; !ok {
		return nil, protocol.NotFound("NoSuchEntity", "Policy %s was not found.", arn)
	}
	if s.attachments(arn) > 0 {
		return nil, protocol.Conflict("DeleteConflict", "Cannot delete a policy attached to entities.")
	}
	if len(s.st.Policies[arn].Versions) > 1 {
		return nil, protocol.Conflict("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	delete(s.st.Policies, arn)
	return nil, s.save()
}

func (s *Service) listPolicies(p params) (any, error) {
	scope := p.get("Scope")
	switch scope {
	case "", "All", "Local", "AWS":
	default:
		return nil, validation("Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope)
	}
	prefix, err := p.pathPrefix()
	if err != nil {
		return nil, err
	}
	onlyAttached := strings.EqualFold(p.get("OnlyAttached"), "true")
	var keys []string
	if scope != "AWS" { // AWS-managed policies have no catalog here
		for _, arn := range protocol.SortedKeys(s.st.Policies) {
			mp := s.st.Policies[arn]
			if strings.HasPrefix(mp.Path, prefix) && (!onlyAttached || s.attachments(arn) > 0) {
				keys = append(keys, arn)
			}
		}
	}
	pg, err := p.paginate(keys)
	if err != nil {
		return nil, err
	}
	out := listPoliciesResult{IsTruncated: pg.truncated, Marker: pg.marker}
	out.Policies.Items = []policyXML{}
	for _, arn := range keys[pg.start:pg.end] {
		x := s.policyXML(s.st.Policies[arn])
		x.Tags = nil // ListPolicies does not return tags
		out.Policies.Items = append(out.Policies.Items, x)
	}
	return out, nil
}

// stableID derives an IAM-shaped unique id from a key, so that an entity
// described without being stored keeps the same id across calls.
func stableID(prefix, key string) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	sum := sha256.Sum256([]byte(key))
	b := make([]byte, 17)
	for i := range b {
		b[i] = chars[int(sum[i])%len(chars)]
	}
	return prefix + string(b)
}

func (s *Service) policyXML(mp *managedPolicy) policyXML {
	return policyXML{
		PolicyName:       mp.Name,
		PolicyID:         mp.ID,
		Arn:              mp.ARN,
		Path:             mp.Path,
		DefaultVersionID: mp.DefaultVersion,
		AttachmentCount:  s.attachments(mp.ARN),
		IsAttachable:     true,
		Description:      mp.Description,
		CreateDate:       isoTime(mp.Created),
		UpdateDate:       isoTime(mp.updated()),
		Tags:             mp.Tags,
	}
}
