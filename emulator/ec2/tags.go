package ec2

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// maxTags is AWS's limit of tags per resource.
const maxTags = 50

// tagArg is one Tag.N entry; hasValue tells an absent value from "" (for
// DeleteTags, where only an explicit value restricts the deletion).
type tagArg struct {
	protocol.Tag
	hasValue bool
}

// parseTagArgs reads prefix.N.Key / prefix.N.Value until an N has neither.
func parseTagArgs(params url.Values, prefix string) ([]tagArg, error) {
	var out []tagArg
	for i := 1; ; i++ {
		p := prefix + "." + strconv.Itoa(i)
		key, hasKey := first(params, p+".Key")
		value, hasValue := first(params, p+".Value")
		if !hasKey && !hasValue {
			return out, nil
		}
		if !hasKey || key == "" {
			return nil, invalidValue("Tag key must not be empty (%s.Key).", p)
		}
		if err := checkTag(key, value); err != nil {
			return nil, err
		}
		out = append(out, tagArg{Tag: protocol.Tag{Key: key, Value: value}, hasValue: hasValue})
	}
}

func checkTag(key, value string) error {
	switch {
	case len(key) > 128:
		return invalidValue("Tag key exceeds the maximum length of 128 characters: '%s'.", key)
	case len(value) > 256:
		return invalidValue("Tag value exceeds the maximum length of 256 characters for key '%s'.", key)
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return invalidValue("Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

// parseTags reads tags to set (key required, value defaults to "").
func parseTags(params url.Values, prefix string) ([]protocol.Tag, error) {
	args, err := parseTagArgs(params, prefix)
	if err != nil {
		return nil, err
	}
	tags := make([]protocol.Tag, len(args))
	for i, a := range args {
		tags[i] = a.Tag
	}
	if len(tags) > maxTags {
		return nil, tagLimit()
	}
	return tags, nil
}

func tagLimit() error {
	return protocol.BadRequest("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
}

// mergeTags returns a new key-sorted slice with add applied over old; old is
// never modified, so readers holding it stay consistent.
func mergeTags(old, add []protocol.Tag) []protocol.Tag {
	out := slices.Clone(old)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(o protocol.Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b protocol.Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// removeTags returns old without the tags del names (all of them when del
// is empty); a tag with an explicit value is removed only on equal value.
func removeTags(old []protocol.Tag, del []tagArg) []protocol.Tag {
	if len(del) == 0 {
		return nil
	}
	out := make([]protocol.Tag, 0, len(old))
	for _, t := range old {
		drop := slices.ContainsFunc(del, func(d tagArg) bool {
			return d.Key == t.Key && (!d.hasValue || d.Value == t.Value)
		})
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// tagTargets resolves ResourceId.N to instances of the caller's region.
// Only instances are taggable here: other ids are reported as invalid.
func (s *Service) tagTargets(req *protocol.QueryRequest) ([]string, error) {
	ids := dedupe(protocol.Indexed(req.Params, "ResourceId"))
	if len(ids) == 0 {
		return nil, missing("ResourceId")
	}
	for _, id := range ids {
		if !isHexID(id, "i-") {
			return nil, protocol.BadRequest("InvalidID", "The ID '%s' is not valid", id)
		}
	}
	return ids, nil
}

// lookupLocked finds instances of the region; callers hold s.mu.
func (s *Service) lookupLocked(region string, ids []string) ([]*instance, error) {
	out := make([]*instance, 0, len(ids))
	var unknown []string
	for _, id := range ids {
		in, ok := s.instances[id]
		if !ok || in.Region != region {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, in)
	}
	if len(unknown) > 0 {
		return nil, instancesNotFound(unknown)
	}
	return out, nil
}

func (s *Service) createTags(_ context.Context, req *protocol.QueryRequest) (any, error) {
	ids, err := s.tagTargets(req)
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(req.Params, "Tag")
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, missing("Tag")
	}
	s.mu.Lock()
	targets, err := s.lookupLocked(req.Region, ids)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	merged := make([][]protocol.Tag, len(targets))
	for i, in := range targets {
		if merged[i] = mergeTags(in.Tags, tags); len(merged[i]) > maxTags {
			s.mu.Unlock()
			return nil, tagLimit()
		}
	}
	for i, in := range targets {
		in.Tags = merged[i]
		in.touch()
	}
	v := s.bump()
	s.mu.Unlock()
	if err := s.mutated(v); err != nil {
		return nil, err
	}
	return returnResponse{XMLName: rootName(req.Action), RequestID: req.RequestID, Return: true}, nil
}

func (s *Service) deleteTags(_ context.Context, req *protocol.QueryRequest) (any, error) {
	ids, err := s.tagTargets(req)
	if err != nil {
		return nil, err
	}
	del, err := parseTagArgs(req.Params, "Tag")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	targets, err := s.lookupLocked(req.Region, ids)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	for _, in := range targets {
		in.Tags = removeTags(in.Tags, del)
		in.touch()
	}
	v := s.bump()
	s.mu.Unlock()
	if err := s.mutated(v); err != nil {
		return nil, err
	}
	return returnResponse{XMLName: rootName(req.Action), RequestID: req.RequestID, Return: true}, nil
}

// tagRow is one line of DescribeTags.
type tagRow struct {
	seq      uint64
	id       string
	key      string
	value    string
	resource []protocol.Tag
}

var tagFilters = filterDefs[tagRow]{
	fields: map[string]func(*tagRow) string{
		"resource-id":   func(r *tagRow) string { return r.id },
		"resource-type": func(*tagRow) string { return "instance" },
		"key":           func(r *tagRow) string { return r.key },
		"value":         func(r *tagRow) string { return r.value },
	},
	tags: func(r *tagRow) []protocol.Tag { return r.resource },
}

func (s *Service) describeTags(_ context.Context, req *protocol.QueryRequest) (any, error) {
	m, err := tagFilters.compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	pg, err := pageParams(req.Params, "tags", false)
	if err != nil {
		return nil, err
	}
	var afterSeq uint64
	var afterKey string
	if pg.cursor != "" {
		seqPart, key, _ := strings.Cut(pg.cursor, "/")
		n, ok := parseSeqKey(seqPart)
		if !ok {
			return nil, invalidValue("The parameter NextToken is not a valid pagination token.")
		}
		afterSeq, afterKey = n, key
	}
	out := describeTagsResponse{RequestID: req.RequestID, Tags: set[xmlTagDescription]{Items: []xmlTagDescription{}}}
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	for _, in := range s.order {
		if in.Region != req.Region || in.Seq < afterSeq || len(in.Tags) == 0 {
			continue
		}
		if s.expiredAt(in, now) {
			continue
		}
		for _, t := range in.Tags {
			if pg.cursor != "" && in.Seq == afterSeq && t.Key <= afterKey {
				continue
			}
			row := tagRow{seq: in.Seq, id: in.ID, key: t.Key, value: t.Value, resource: in.Tags}
			if !m.match(&row) {
				continue
			}
			if pg.max > 0 && len(out.Tags.Items) == pg.max {
				last := out.Tags.Items[len(out.Tags.Items)-1]
				prev := s.instances[last.ResourceID]
				out.NextToken = encodeToken("tags", seqKey(prev.Seq)+"/"+last.Key)
				return out, nil
			}
			out.Tags.Items = append(out.Tags.Items, xmlTagDescription{
				ResourceID: in.ID, ResourceType: "instance", Key: t.Key, Value: t.Value,
			})
		}
	}
	return out, nil
}
