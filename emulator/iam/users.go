package iam

import (
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// IAM users: long-term identities whose access keys sign requests and
// whose policies are evaluated in strict mode.

type user struct {
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Created time.Time `json:"created"`
	Tags    []tag     `json:"tags,omitempty"`
	policyHolder
}

type userXML struct {
	Path       string `xml:"Path,omitempty"`     // absent for the account root
	UserName   string `xml:"UserName,omitempty"` // absent for the account root
	UserID     string `xml:"UserId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
	Tags       []tag  `xml:"Tags>member,omitempty"`
}

type userResult struct {
	User userXML `xml:"User"`
}

type listUsersResult struct {
	Users       members[userXML] `xml:"Users"`
	IsTruncated bool             `xml:"IsTruncated"`
	Marker      string           `xml:"Marker,omitempty"`
}

func userARN(path, name string) string {
	return "arn:aws:iam::" + protocol.AccountID + ":user" + path + name
}

func (u *user) xml(withTags bool) userXML {
	out := userXML{Path: u.Path, UserName: u.Name, UserID: u.ID, Arn: u.ARN, CreateDate: isoTime(u.Created)}
	if withTags {
		out.Tags = u.Tags
	}
	return out
}

// findUser returns the user or IAM's NoSuchEntity error.
func (s *Service) findUser(name string) (*user, error) {
	u, ok := s.st.Users[strings.ToLower(name)]
	if !ok {
		return nil, protocol.NotFound("NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	return u, nil
}

// userByARN is the user with exactly this ARN, or nil; callers hold s.mu.
func (s *Service) userByARN(arn string) *user {
	u, ok := s.st.Users[strings.ToLower(arn[strings.LastIndex(arn, "/")+1:])]
	if !ok || u.ARN != arn {
		return nil
	}
	return u
}

// errNotAUser is IAM's answer when a call that defaults to the calling
// user is made with role credentials.
var errNotAUser = validation("Must specify userName when calling with non-User credentials")

// subjectUser is the user a call names with UserName or, without it, the
// calling user; nil (and no error) for the account root, which has no
// IAM user.
func (s *Service) subjectUser(p params) (*user, error) {
	if p.has("UserName") {
		name, err := p.name("UserName", 128)
		if err != nil {
			return nil, err
		}
		return s.findUser(name)
	}
	switch p.caller.Kind {
	case auth.KindUser:
		if u := s.userByARN(p.caller.ARN); u != nil {
			return u, nil
		}
		return nil, protocol.NotFound("NoSuchEntity", "The user %s that signed the call no longer exists.", p.caller.ARN)
	case auth.KindAssumedRole:
		return nil, errNotAUser
	}
	return nil, nil
}

func (s *Service) createUser(p params) (any, error) {
	name, path, tags, err := p.newEntity("UserName", 64)
	if err != nil {
		return nil, err
	}
	if _, exists := s.st.Users[strings.ToLower(name)]; exists {
		return nil, protocol.Conflict("EntityAlreadyExists", "User with name %s already exists.", name)
	}
	u := &user{Name: name, Path: path, ID: uniqueID("AIDA"), ARN: userARN(path, name), Created: s.now(), Tags: tags}
	s.st.Users[strings.ToLower(name)] = u
	if err := s.save(); err != nil {
		return nil, err
	}
	return userResult{User: u.xml(true)}, nil
}

// getUser describes the named user, or the caller: the account root
// too, as IAM does.
func (s *Service) getUser(p params) (any, error) {
	u, err := s.subjectUser(p)
	if err != nil {
		return nil, err
	}
	if u == nil {
		root := p.caller
		return userResult{User: userXML{UserID: root.Account, Arn: root.ARN, CreateDate: isoTime(s.started)}}, nil
	}
	return userResult{User: u.xml(true)}, nil
}

func (s *Service) listUsers(p params) (any, error) {
	prefix, err := p.pathPrefix()
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range protocol.SortedKeys(s.st.Users) {
		if strings.HasPrefix(s.st.Users[k].Path, prefix) {
			keys = append(keys, k)
		}
	}
	pg, err := p.paginate(keys)
	if err != nil {
		return nil, err
	}
	out := listUsersResult{IsTruncated: pg.truncated, Marker: pg.marker}
	out.Users.Items = []userXML{}
	for _, k := range keys[pg.start:pg.end] {
		out.Users.Items = append(out.Users.Items, s.st.Users[k].xml(false)) // ListUsers returns no tags
	}
	return out, nil
}

func (s *Service) deleteUser(p params) (any, error) {
	name, err := p.name("UserName", 128)
	if err != nil {
		return nil, err
	}
	u, err := s.findUser(name)
	if err != nil {
		return nil, err
	}
	if len(s.keysOf(u)) > 0 {
		return nil, protocol.Conflict("DeleteConflict", "Cannot delete entity, must delete access keys first.")
	}
	if err := u.conflict(); err != nil {
		return nil, err
	}
	delete(s.st.Users, strings.ToLower(u.Name))
	return nil, s.save()
}
