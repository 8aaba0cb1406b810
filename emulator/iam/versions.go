package iam

import (
	"regexp"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Versions of customer-managed policies: up to five per policy, one of
// them the default, which is the one evaluated.

// maxPolicyVersions is IAM's quota of versions per managed policy.
const maxPolicyVersions = 5

var versionIDPattern = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

type policyVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"document"`
	Created  time.Time `json:"created"`
}

type policyVersionXML struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

type policyVersionResult struct {
	PolicyVersion policyVersionXML `xml:"PolicyVersion"`
}

type listPolicyVersionsResult struct {
	Versions    members[policyVersionXML] `xml:"Versions"`
	IsTruncated bool                      `xml:"IsTruncated"`
	Marker      string                    `xml:"Marker,omitempty"`
}

// version returns the version with this id, or nil.
func (mp *managedPolicy) version(id string) *policyVersion {
	for i := range mp.Versions {
		if mp.Versions[i].ID == id {
			return &mp.Versions[i]
		}
	}
	return nil
}

// defaultDocument is the document of the default version.
func (mp *managedPolicy) defaultDocument() string {
	if v := mp.version(mp.DefaultVersion); v != nil {
		return v.Document
	}
	return ""
}

// updated is UpdateDate: when the newest version was created.
func (mp *managedPolicy) updated() time.Time {
	t := mp.Created
	for _, v := range mp.Versions {
		if v.Created.After(t) {
			t = v.Created
		}
	}
	return t
}

func (mp *managedPolicy) versionXML(v *policyVersion, withDocument bool) policyVersionXML {
	out := policyVersionXML{VersionID: v.ID, IsDefaultVersion: v.ID == mp.DefaultVersion, CreateDate: isoTime(v.Created)}
	if withDocument {
		out.Document = protocol.PolicyEscape(v.Document)
	}
	return out
}

// migrateVersions gives a policy saved before versions existed its
// document as v1.
func (mp *managedPolicy) migrateVersions() {
	if len(mp.Versions) > 0 {
		return
	}
	mp.Versions = []policyVersion{{ID: "v1", Document: mp.Document, Created: mp.Created}}
	mp.DefaultVersion, mp.NextVersion, mp.Document = "v1", 2, ""
}

// customerPolicy is the customer-managed policy PolicyArn names.
func (s *Service) customerPolicy(p params) (*managedPolicy, error) {
	arn, err := p.policyARNParam()
	if err != nil {
		return nil, err
	}
	if mp, ok := s.st.Policies[arn]; ok {
		return mp, nil
	}
	if strings.HasPrefix(arn, awsManagedPrefix) {
		return nil, protocol.NotFound("NoSuchEntity", "Policy %s was not found: the emulator keeps no catalog of AWS managed policies, so their versions cannot be read or changed.", arn)
	}
	return nil, protocol.NotFound("NoSuchEntity", "Policy %s was not found.", arn)
}

// versionParam is the existing version VersionId names.
func (s *Service) versionParam(mp *managedPolicy, p params) (*policyVersion, error) {
	id, err := p.required("VersionId")
	if err != nil {
		return nil, err
	}
	if !versionIDPattern.MatchString(id) {
		return nil, validation("Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", id)
	}
	v := mp.version(id)
	if v == nil {
		return nil, protocol.NotFound("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", mp.ARN, id)
	}
	return v, nil
}

func (s *Service) createPolicyVersion(p params) (any, error) {
	mp, err := s.customerPolicy(p)
	if err != nil {
		return nil, err
	}
	doc, err := p.policyDocument("PolicyDocument")
	if err != nil {
		return nil, err
	}
	asDefault, err := p.boolean("SetAsDefault")
	if err != nil {
		return nil, err
	}
	if len(mp.Versions) >= maxPolicyVersions {
		return nil, protocol.Conflict("LimitExceeded", "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	}
	v := policyVersion{ID: "v" + itoa(mp.NextVersion), Document: doc, Created: s.now()}
	mp.Versions = append(mp.Versions, v)
	mp.NextVersion++
	if asDefault {
		mp.DefaultVersion = v.ID
	}
	if err := s.save(); err != nil {
		return nil, err
	}
	return policyVersionResult{PolicyVersion: mp.versionXML(&v, false)}, nil
}

func (s *Service) getPolicyVersion(p params) (any, error) {
	mp, err := s.customerPolicy(p)
	if err != nil {
		return nil, err
	}
	v, err := s.versionParam(mp, p)
	if err != nil {
		return nil, err
	}
	return policyVersionResult{PolicyVersion: mp.versionXML(v, true)}, nil
}

// listPolicyVersions lists the newest first, as IAM does.
func (s *Service) listPolicyVersions(p params) (any, error) {
	mp, err := s.customerPolicy(p)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(mp.Versions))
	for i := range keys {
		keys[i] = positionKey(i)
	}
	pg, err := p.paginate(keys)
	if err != nil {
		return nil, err
	}
	out := listPolicyVersionsResult{IsTruncated: pg.truncated, Marker: pg.marker}
	out.Versions.Items = []policyVersionXML{}
	for i := pg.start; i < pg.end; i++ {
		out.Versions.Items = append(out.Versions.Items, mp.versionXML(&mp.Versions[len(mp.Versions)-1-i], false))
	}
	return out, nil
}

func (s *Service) setDefaultPolicyVersion(p params) (any, error) {
	mp, err := s.customerPolicy(p)
	if err != nil {
		return nil, err
	}
	v, err := s.versionParam(mp, p)
	if err != nil {
		return nil, err
	}
	mp.DefaultVersion = v.ID
	return nil, s.save()
}

func (s *Service) deletePolicyVersion(p params) (any, error) {
	mp, err := s.customerPolicy(p)
	if err != nil {
		return nil, err
	}
	v, err := s.versionParam(mp, p)
	if err != nil {
		return nil, err
	}
	if v.ID == mp.DefaultVersion {
		return nil, protocol.Conflict("DeleteConflict", "Cannot delete the default version of a policy.")
	}
	kept := mp.Versions[:0:0]
	for _, other := range mp.Versions {
		if other.ID != v.ID {
			kept = append(kept, other)
		}
	}
	mp.Versions = kept
	return nil, s.save()
}
