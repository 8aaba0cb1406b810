package iam

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// roleARN is arn:aws:iam::ACCOUNT:role{path}{name}.
func roleARN(path, name string) string {
	return "arn:aws:iam::" + protocol.AccountID + ":role" + path + name
}

func (s *Service) createRole(p params) (any, error) {
	name, err := p.name("RoleName", 64)
	if err != nil {
		return nil, err
	}
	path, err := p.path("Path")
	if err != nil {
		return nil, err
	}
	trust, err := p.policyDocument("AssumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	desc, err := p.description()
	if err != nil {
		return nil, err
	}
	maxSession, ok, perr := protocol.OptionalInt(p.v, "MaxSessionDuration", 3600, 43200)
	if perr != nil {
		return nil, perr
	}
	if !ok {
		maxSession = defaultSessionLimit
	}
	tags, err := p.tags()
	if err != nil {
		return nil, err
	}
	if _, exists := s.st.Roles[strings.ToLower(name)]; exists {
		return nil, protocol.Conflict("EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	r := &role{
		Name:               name,
		Path:               path,
		ID:                 uniqueID("AROA"),
		ARN:                roleARN(path, name),
		TrustPolicy:        trust,
		Description:        desc,
		MaxSessionDuration: maxSession,
		Created:            s.now(),
		Tags:               tags,
	}
	s.st.Roles[strings.ToLower(name)] = r
	if err := s.save(); err != nil {
		return nil, err
	}
	return roleResult{Role: r.xml(true)}, nil
}

func (s *Service) getRole(p params) (any, error) {
	r, err := s.roleParam(p)
	if err != nil {
		return nil, err
	}
	return roleResult{Role: r.xml(true)}, nil
}

func (s *Service) deleteRole(p params) (any, error) {
	r, err := s.roleParam(p)
	if err != nil {
		return nil, err
	}
	if s.profileOf(r) != nil {
		return nil, protocol.Conflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	}
	if err := r.conflict(); err != nil {
		return nil, err
	}
	delete(s.st.Roles, strings.ToLower(r.Name))
	return nil, s.save()
}

func (s *Service) listRoles(p params) (any, error) {
	prefix, err := p.pathPrefix()
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range protocol.SortedKeys(s.st.Roles) {
		if strings.HasPrefix(s.st.Roles[k].Path, prefix) {
			keys = append(keys, k)
		}
	}
	pg, err := p.paginate(keys)
	if err != nil {
		return nil, err
	}
	out := listRolesResult{IsTruncated: pg.truncated, Marker: pg.marker}
	out.Roles.Items = []roleXML{}
	for _, k := range keys[pg.start:pg.end] {
		out.Roles.Items = append(out.Roles.Items, s.st.Roles[k].xml(false))
	}
	return out, nil
}

func (s *Service) updateRole(p params) (any, error) {
	r, err := s.roleParam(p)
	if err != nil {
		return nil, err
	}
	desc, err := p.description()
	if err != nil {
		return nil, err
	}
	maxSession, ok, perr := protocol.OptionalInt(p.v, "MaxSessionDuration", 3600, 43200)
	if perr != nil {
		return nil, perr
	}
	if p.has("Description") {
		r.Description = desc
	}
	if ok {
		r.MaxSessionDuration = maxSession
	}
	return struct{}{}, s.save()
}

func (s *Service) updateAssumeRolePolicy(p params) (any, error) {
	name, err := p.name("RoleName", 64)
	if err != nil {
		return nil, err
	}
	doc, err := p.policyDocument("PolicyDocument")
	if err != nil {
		return nil, err
	}
	r, err := s.findRole(name)
	if err != nil {
		return nil, err
	}
	r.TrustPolicy = doc
	return nil, s.save()
}

// positionKey is a sortable key for the i-th element of an ordered list.
func positionKey(i int) string {
	s := itoa(i)
	return strings.Repeat("0", 8-len(s)) + s
}
