package iam

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// taggedKind is a kind of entity that carries tags: Tag/Untag/List…Tags
// name it with param.
type taggedKind struct {
	param   string
	maxName int
	tags    func(s *Service, name string) (*[]tag, error)
}

var (
	taggedRoles = taggedKind{param: "RoleName", maxName: 64, tags: func(s *Service, name string) (*[]tag, error) {
		r, err := s.findRole(name)
		if err != nil {
			return nil, err
		}
		return &r.Tags, nil
	}}
	taggedUsers = taggedKind{param: "UserName", maxName: 128, tags: func(s *Service, name string) (*[]tag, error) {
		u, err := s.findUser(name)
		if err != nil {
			return nil, err
		}
		return &u.Tags, nil
	}}
	taggedProfiles = taggedKind{param: "InstanceProfileName", maxName: 128, tags: func(s *Service, name string) (*[]tag, error) {
		ip, err := s.findProfile(name)
		if err != nil {
			return nil, err
		}
		return &ip.Tags, nil
	}}
)

// tag adds or replaces tags (keys compare regardless of case).
func (s *Service) tag(k taggedKind) handler {
	return func(p params) (any, error) {
		name, err := p.name(k.param, k.maxName)
		if err != nil {
			return nil, err
		}
		tags, err := p.tags()
		if err != nil {
			return nil, err
		}
		if len(tags) == 0 {
			return nil, validation("Value null at 'tags' failed to satisfy constraint: Member must not be null")
		}
		current, err := k.tags(s, name)
		if err != nil {
			return nil, err
		}
		merged := append([]tag(nil), *current...)
		for _, t := range tags {
			replaced := false
			for i := range merged {
				if strings.EqualFold(merged[i].Key, t.Key) {
					merged[i] = t
					replaced = true
				}
			}
			if !replaced {
				merged = append(merged, t)
			}
		}
		if len(merged) > maxTags {
			return nil, protocol.Conflict("LimitExceeded", "The number of tags has reached the maximum limit of %d.", maxTags)
		}
		*current = merged
		return nil, s.save()
	}
}

func (s *Service) untag(k taggedKind) handler {
	return func(p params) (any, error) {
		name, err := p.name(k.param, k.maxName)
		if err != nil {
			return nil, err
		}
		keys := protocol.Members(p.v, "TagKeys")
		if len(keys) == 0 {
			return nil, validation("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
		}
		current, err := k.tags(s, name)
		if err != nil {
			return nil, err
		}
		kept := (*current)[:0:0]
		for _, t := range *current {
			drop := false
			for _, key := range keys {
				drop = drop || strings.EqualFold(key, t.Key)
			}
			if !drop {
				kept = append(kept, t)
			}
		}
		*current = kept
		return nil, s.save()
	}
}

func (s *Service) listTags(k taggedKind) handler {
	return func(p params) (any, error) {
		name, err := p.name(k.param, k.maxName)
		if err != nil {
			return nil, err
		}
		current, err := k.tags(s, name)
		if err != nil {
			return nil, err
		}
		// Tags keep their insertion order; paginate over their positions.
		keys := make([]string, len(*current))
		for i := range keys {
			keys[i] = positionKey(i)
		}
		pg, err := p.paginate(keys)
		if err != nil {
			return nil, err
		}
		out := listTagsResult{IsTruncated: pg.truncated, Marker: pg.marker}
		out.Tags.Items = append([]tag{}, (*current)[pg.start:pg.end]...)
		return out, nil
	}
}
