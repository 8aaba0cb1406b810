package iam

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// Access keys of IAM users. They sign requests: the credential registry
// asks AccessKey for them on every call, so a key works as soon as it is
// saved and stops working as soon as it is deactivated or deleted.

// maxKeysPerUser is IAM's quota of access keys per user.
const maxKeysPerUser = 2

const (
	statusActive   = "Active"
	statusInactive = "Inactive"
)

var accessKeyIDPattern = regexp.MustCompile(`^\w{16,128}$`)

type accessKey struct {
	ID      string    `json:"id"`
	User    string    `json:"user"` // key of the user in state.Users
	Secret  string    `json:"secret"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
}

type accessKeyXML struct {
	UserName        string `xml:"UserName"`
	AccessKeyID     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey,omitempty"` // CreateAccessKey only
	CreateDate      string `xml:"CreateDate"`
}

type createAccessKeyResult struct {
	AccessKey accessKeyXML `xml:"AccessKey"`
}

type listAccessKeysResult struct {
	AccessKeyMetadata members[accessKeyXML] `xml:"AccessKeyMetadata"`
	IsTruncated       bool                  `xml:"IsTruncated"`
	Marker            string                `xml:"Marker,omitempty"`
}

type accessKeyLastUsedXML struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	ServiceName  string `xml:"ServiceName"`
	Region       string `xml:"Region"`
}

type lastUsedResult struct {
	UserName          string               `xml:"UserName"`
	AccessKeyLastUsed accessKeyLastUsedXML `xml:"AccessKeyLastUsed"`
}

func (k *accessKey) xml(u *user) accessKeyXML {
	return accessKeyXML{UserName: u.Name, AccessKeyID: k.ID, Status: k.Status, CreateDate: isoTime(k.Created)}
}

// keysOf lists a user's keys, oldest first.
func (s *Service) keysOf(u *user) []*accessKey {
	var out []*accessKey
	for _, k := range s.st.AccessKeys {
		if k.User == strings.ToLower(u.Name) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *accessKey) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func (s *Service) createAccessKey(p params) (any, error) {
	u, err := s.subjectUser(p)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, protocol.BadRequest("InvalidInput", "The emulator does not create access keys for the account root (its keys are test/test): name a user, as in aws iam create-access-key --user-name NAME")
	}
	if len(s.keysOf(u)) >= maxKeysPerUser {
		return nil, protocol.Conflict("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", maxKeysPerUser)
	}
	k := &accessKey{
		ID:      "AKIA" + protocol.UpperAlnumID(16),
		User:    strings.ToLower(u.Name),
		Secret:  protocol.AlnumID(40),
		Status:  statusActive,
		Created: s.now(),
	}
	s.st.AccessKeys[k.ID] = k
	if err := s.save(); err != nil {
		return nil, err
	}
	out := k.xml(u)
	out.SecretAccessKey = k.Secret
	return createAccessKeyResult{AccessKey: out}, nil
}

func (s *Service) listAccessKeys(p params) (any, error) {
	u, err := s.subjectUser(p)
	if err != nil {
		return nil, err
	}
	var keys []*accessKey
	if u != nil { // the root's keys (test/test) are not IAM's to list
		keys = s.keysOf(u)
	}
	positions := make([]string, len(keys))
	for i := range keys {
		positions[i] = positionKey(i)
	}
	pg, err := p.paginate(positions)
	if err != nil {
		return nil, err
	}
	out := listAccessKeysResult{IsTruncated: pg.truncated, Marker: pg.marker}
	out.AccessKeyMetadata.Items = []accessKeyXML{}
	for _, k := range keys[pg.start:pg.end] {
		out.AccessKeyMetadata.Items = append(out.AccessKeyMetadata.Items, k.xml(u))
	}
	return out, nil
}

// keyParam is the key AccessKeyId names, which must belong to the
// subject user.
func (s *Service) keyParam(p params) (*accessKey, *user, error) {
	id, err := p.required("AccessKeyId")
	if err != nil {
		return nil, nil, err
	}
	if !accessKeyIDPattern.MatchString(id) {
		return nil, nil, validation("Value '%s' at 'accessKeyId' failed to satisfy constraint: Member must have length between 16 and 128 and satisfy regular expression pattern: [\\w]+", id)
	}
	u, err := s.subjectUser(p)
	if err != nil {
		return nil, nil, err
	}
	k, ok := s.st.AccessKeys[id]
	if !ok || u == nil || k.User != strings.ToLower(u.Name) {
		hint := ""
		if u == nil && ok {
			hint = " (name its user: --user-name)"
		}
		return nil, nil, protocol.NotFound("NoSuchEntity", "The Access Key with id %s cannot be found%s.", id, hint)
	}
	return k, u, nil
}

func (s *Service) updateAccessKey(p params) (any, error) {
	status, err := p.required("Status")
	if err != nil {
		return nil, err
	}
	switch status {
	case statusActive, statusInactive:
	case "Expired":
		return nil, protocol.BadRequest("InvalidInput", "Status Expired cannot be set: use Active or Inactive.")
	default:
		return nil, validation("Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]", status)
	}
	k, _, err := s.keyParam(p)
	if err != nil {
		return nil, err
	}
	k.Status = status
	return nil, s.save()
}

func (s *Service) deleteAccessKey(p params) (any, error) {
	k, _, err := s.keyParam(p)
	if err != nil {
		return nil, err
	}
	delete(s.st.AccessKeys, k.ID)
	if err := s.save(); err != nil {
		return nil, err
	}
	s.usedMu.Lock()
	delete(s.lastUsed, k.ID)
	s.usedMu.Unlock()
	return nil, nil
}

// getAccessKeyLastUsed answers from what ObserveCall saw since the
// emulator started ("N/A" before the first use, as IAM says).
func (s *Service) getAccessKeyLastUsed(p params) (any, error) {
	id, err := p.required("AccessKeyId")
	if err != nil {
		return nil, err
	}
	k, ok := s.st.AccessKeys[id]
	if !ok {
		return nil, protocol.NotFound("NoSuchEntity", "The Access Key with id %s cannot be found.", id)
	}
	out := lastUsedResult{UserName: s.st.Users[k.User].Name, AccessKeyLastUsed: accessKeyLastUsedXML{ServiceName: "N/A", Region: "N/A"}}
	s.usedMu.Lock()
	use, used := s.lastUsed[id]
	s.usedMu.Unlock()
	if used {
		out.AccessKeyLastUsed = accessKeyLastUsedXML{LastUsedDate: isoTime(use.at), ServiceName: use.service, Region: use.region}
	}
	return out, nil
}

// AccessKey implements auth.KeySource: the credential of a user's access
// key, refused (Inactive) while deactivated.
func (s *Service) AccessKey(id string) (auth.Credential, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.AccessKeys[id]
	if !ok {
		return auth.Credential{}, false
	}
	u, ok := s.st.Users[k.User]
	if !ok {
		return auth.Credential{}, false
	}
	return auth.Credential{
		AccessKeyID:     k.ID,
		SecretAccessKey: k.Secret,
		Principal:       auth.UserPrincipal(u.ARN, u.ID),
		Inactive:        k.Status != statusActive,
	}, true
}

// ObserveCall implements auth.Observer: it notes when a user's access
// key signed a call, for GetAccessKeyLastUsed.
func (s *Service) ObserveCall(c auth.Call) {
	if c.Principal.Kind != auth.KindUser || !c.Principal.Verified || !strings.HasPrefix(c.Principal.AccessKeyID, "AKIA") {
		return
	}
	s.usedMu.Lock()
	s.lastUsed[c.Principal.AccessKeyID] = lastUse{at: c.Start, service: c.Service, region: c.Region}
	s.usedMu.Unlock()
}
