package iam

import (
	"slices"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Instance profiles: the container of one role that EC2 instances are
// launched with (RunInstances' IamInstanceProfile).

type instanceProfile struct {
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Created time.Time `json:"created"`
	Roles   []string  `json:"roles,omitempty"` // keys of state.Roles; at most one
	Tags    []tag     `json:"tags,omitempty"`
}

type instanceProfileXML struct {
	Path                string           `xml:"Path"`
	InstanceProfileName string           `xml:"InstanceProfileName"`
	InstanceProfileID   string           `xml:"InstanceProfileId"`
	Arn                 string           `xml:"Arn"`
	CreateDate          string           `xml:"CreateDate"`
	Roles               members[roleXML] `xml:"Roles"`
	Tags                []tag            `xml:"Tags>member,omitempty"`
}

type instanceProfileResult struct {
	InstanceProfile instanceProfileXML `xml:"InstanceProfile"`
}

type listInstanceProfilesResult struct {
	InstanceProfiles members[instanceProfileXML] `xml:"InstanceProfiles"`
	IsTruncated      bool                        `xml:"IsTruncated"`
	Marker           string                      `xml:"Marker,omitempty"`
}

// maxRolesPerProfile is IAM's fixed quota of roles per instance profile.
const maxRolesPerProfile = 1

func instanceProfileARN(path, name string) string {
	return "arn:aws:iam::" + protocol.AccountID + ":instance-profile" + path + name
}

func (s *Service) profileXML(ip *instanceProfile, withTags bool) instanceProfileXML {
	out := instanceProfileXML{Path: ip.Path, InstanceProfileName: ip.Name, InstanceProfileID: ip.ID, Arn: ip.ARN, CreateDate: isoTime(ip.Created)}
	out.Roles.Items = []roleXML{}
	for _, k := range ip.Roles {
		if r, ok := s.st.Roles[k]; ok {
			out.Roles.Items = append(out.Roles.Items, r.xml(false))
		}
	}
	if withTags {
		out.Tags = ip.Tags
	}
	return out
}

func (s *Service) findProfile(name string) (*instanceProfile, error) {
	ip, ok := s.st.InstanceProfiles[strings.ToLower(name)]
	if !ok {
		return nil, protocol.NotFound("NoSuchEntity", "Instance Profile %s cannot be found.", name)
	}
	return ip, nil
}

func (s *Service) profileParam(p params) (*instanceProfile, error) {
	name, err := p.name("InstanceProfileName", 128)
	if err != nil {
		return nil, err
	}
	return s.findProfile(name)
}

// profileOf is an instance profile holding r, or nil.
func (s *Service) profileOf(r *role) *instanceProfile {
	for _, k := range protocol.SortedKeys(s.st.InstanceProfiles) {
		if ip := s.st.InstanceProfiles[k]; slices.Contains(ip.Roles, strings.ToLower(r.Name)) {
			return ip
		}
	}
	return nil
}

func (s *Service) createInstanceProfile(p params) (any, error) {
	name, path, tags, err := p.newEntity("InstanceProfileName", 128)
	if err != nil {
		return nil, err
	}
	if _, exists := s.st.InstanceProfiles[strings.ToLower(name)]; exists {
		return nil, protocol.Conflict("EntityAlreadyExists", "Instance Profile %s already exists.", name)
	}
	ip := &instanceProfile{Name: name, Path: path, ID: uniqueID("AIPA"), ARN: instanceProfileARN(path, name), Created: s.now(), Tags: tags}
	s.st.InstanceProfiles[strings.ToLower(name)] = ip
	if err := s.save(); err != nil {
		return nil, err
	}
	return instanceProfileResult{InstanceProfile: s.profileXML(ip, true)}, nil
}

func (s *Service) getInstanceProfile(p params) (any, error) {
	ip, err := s.profileParam(p)
	if err != nil {
		return nil, err
	}
	return instanceProfileResult{InstanceProfile: s.profileXML(ip, true)}, nil
}

func (s *Service) deleteInstanceProfile(p params) (any, error) {
	ip, err := s.profileParam(p)
	if err != nil {
		return nil, err
	}
	if len(ip.Roles) > 0 {
		return nil, protocol.Conflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	}
	delete(s.st.InstanceProfiles, strings.ToLower(ip.Name))
	return nil, s.save()
}

// listProfiles pages through the profiles keep accepts, by name.
func (s *Service) listProfiles(p params, keep func(*instanceProfile) bool) (any, error) {
	var keys []string
	for _, k := range protocol.SortedKeys(s.st.InstanceProfiles) {
		if keep(s.st.InstanceProfiles[k]) {
			keys = append(keys, k)
		}
	}
	pg, err := p.paginate(keys)
	if err != nil {
		return nil, err
	}
	out := listInstanceProfilesResult{IsTruncated: pg.truncated, Marker: pg.marker}
	out.InstanceProfiles.Items = []instanceProfileXML{}
	for _, k := range keys[pg.start:pg.end] {
		out.InstanceProfiles.Items = append(out.InstanceProfiles.Items, s.profileXML(s.st.InstanceProfiles[k], false))
	}
	return out, nil
}

func (s *Service) listInstanceProfiles(p params) (any, error) {
	prefix, err := p.pathPrefix()
	if err != nil {
		return nil, err
	}
	return s.listProfiles(p, func(ip *instanceProfile) bool { return strings.HasPrefix(ip.Path, prefix) })
}

func (s *Service) listInstanceProfilesForRole(p params) (any, error) {
	r, err := s.roleParam(p)
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(r.Name)
	return s.listProfiles(p, func(ip *instanceProfile) bool { return slices.Contains(ip.Roles, key) })
}

// profileAndRole are the existing profile and role a call names.
func (s *Service) profileAndRole(p params) (*instanceProfile, *role, error) {
	ip, err := s.profileParam(p)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.roleParam(p)
	if err != nil {
		return nil, nil, err
	}
	return ip, r, nil
}

func (s *Service) addRoleToInstanceProfile(p params) (any, error) {
	ip, r, err := s.profileAndRole(p)
	if err != nil {
		return nil, err
	}
	if len(ip.Roles) >= maxRolesPerProfile {
		return nil, protocol.Conflict("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxRolesPerProfile)
	}
	ip.Roles = append(ip.Roles, strings.ToLower(r.Name))
	return nil, s.save()
}

func (s *Service) removeRoleFromInstanceProfile(p params) (any, error) {
	ip, r, err := s.profileAndRole(p)
	if err != nil {
		return nil, err
	}
	i := slices.Index(ip.Roles, strings.ToLower(r.Name))
	if i < 0 {
		return nil, protocol.NotFound("NoSuchEntity", "The role with name %s cannot be found in instance profile %s.", r.Name, ip.Name)
	}
	ip.Roles = slices.Delete(ip.Roles, i, i+1)
	return nil, s.save()
}

// InstanceProfile finds an instance profile by name or ARN, for EC2's
// RunInstances: its ARN and id.
func (s *Service) InstanceProfile(nameOrARN string) (arn, id string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := nameOrARN
	if strings.HasPrefix(nameOrARN, "arn:") {
		name = nameOrARN[strings.LastIndex(nameOrARN, "/")+1:]
	}
	ip, found := s.st.InstanceProfiles[strings.ToLower(name)]
	if !found || (strings.HasPrefix(nameOrARN, "arn:") && ip.ARN != nameOrARN) {
		return "", "", false
	}
	return ip.ARN, ip.ID, true
}
