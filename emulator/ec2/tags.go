package ec2

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/vpc"
	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// tagged is one resource CreateTags and DeleteTags can reach: an
// instance, a key pair or a network resource.
type tagged struct {
	kind string // the resource type, as ARNs and DescribeTags name it
	tags []protocol.Tag
	set  func([]protocol.Tag) // replaces the tags (slices are copy-on-write)
}

// taggedLocked finds the resources of ResourceId.N in the region, all of
// them or an error naming the first unknown one; callers hold s.mu.
func (s *Service) taggedLocked(region string, ids []string) ([]tagged, error) {
	out := make([]tagged, 0, len(ids))
	for _, id := range ids {
		t, err := s.findTaggedLocked(region, id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Service) findTaggedLocked(region, id string) (tagged, error) {
	switch {
	case wire.IsHexID(id, "i-"):
		in, ok := s.instances[id]
		if !ok || in.Region != region {
			return tagged{}, instancesNotFound([]string{id})
		}
		return tagged{kind: "instance", tags: in.Tags, set: func(t []protocol.Tag) { in.Tags = t; in.touch() }}, nil
	case wire.IsHexID(id, "key-"):
		k, ok := s.keys[id]
		if !ok || k.Region != region {
			return tagged{}, keyPairNotFound(id)
		}
		return tagged{kind: "key-pair", tags: k.Tags, set: func(t []protocol.Tag) { k.Tags = t }}, nil
	}
	if kind, tags, ok := s.net.Tagged(region, id); ok {
		return tagged{kind: kind, tags: *tags, set: func(t []protocol.Tag) { *tags = t }}, nil
	}
	if err, ok := vpc.MissingID(id); ok {
		return tagged{}, err
	}
	return tagged{}, protocol.BadRequest("InvalidID", "The ID '%s' is not valid", id)
}

func resourceIDs(req *protocol.QueryRequest) ([]string, error) {
	ids := wire.Dedupe(protocol.Indexed(req.Params, "ResourceId"))
	if len(ids) == 0 {
		return nil, wire.Missing("ResourceId")
	}
	return ids, nil
}

func (s *Service) createTags(_ context.Context, req *protocol.QueryRequest) (any, error) {
	ids, err := resourceIDs(req)
	if err != nil {
		return nil, err
	}
	tags, err := wire.ParseTags(req.Params, "Tag")
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, wire.Missing("Tag")
	}
	return s.retag(req, ids, func(old []protocol.Tag) ([]protocol.Tag, error) {
		merged := wire.MergeTags(old, tags)
		if len(merged) > wire.MaxTags {
			return nil, wire.TagLimit()
		}
		return merged, nil
	})
}

func (s *Service) deleteTags(_ context.Context, req *protocol.QueryRequest) (any, error) {
	ids, err := resourceIDs(req)
	if err != nil {
		return nil, err
	}
	del, err := wire.ParseTagArgs(req.Params, "Tag")
	if err != nil {
		return nil, err
	}
	return s.retag(req, ids, func(old []protocol.Tag) ([]protocol.Tag, error) {
		return wire.RemoveTags(old, del), nil
	})
}

// retag computes every resource's new tags before changing any, so a
// failing one leaves all as they were.
func (s *Service) retag(req *protocol.QueryRequest, ids []string, change func([]protocol.Tag) ([]protocol.Tag, error)) (any, error) {
	err := s.change(func() error {
		s.ensureRegionLocked(req.Region)
		targets, err := s.taggedLocked(req.Region, ids)
		if err != nil {
			return err
		}
		next := make([][]protocol.Tag, len(targets))
		for i, t := range targets {
			if next[i], err = change(t.tags); err != nil {
				return err
			}
		}
		for i, t := range targets {
			t.set(next[i])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return wire.Return(req.Action, req.RequestID), nil
}

// tagRow is one line of DescribeTags. Rows are ordered by class (instances
// and key pairs, then network resources), creation sequence and key.
type tagRow struct {
	class    int
	seq      uint64
	id       string
	kind     string
	key      string
	value    string
	resource []protocol.Tag
}

func (r *tagRow) cursor() string {
	return string(rune('0'+r.class)) + wire.SeqKey(r.seq) + "/" + r.key
}

var tagFilters = wire.Filters[tagRow]{
	Fields: map[string]func(*tagRow) string{
		"resource-id":   func(r *tagRow) string { return r.id },
		"resource-type": func(r *tagRow) string { return r.kind },
		"key":           func(r *tagRow) string { return r.key },
		"value":         func(r *tagRow) string { return r.value },
	},
	Tags: func(r *tagRow) []protocol.Tag { return r.resource },
}

func (s *Service) describeTags(_ context.Context, req *protocol.QueryRequest) (any, error) {
	m, err := tagFilters.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	pg, err := wire.PageParams(req.Params, "tags", "resourceIds", false, 1000)
	if err != nil {
		return nil, err
	}
	var after *tagRow
	if pg.Cursor != "" {
		seqPart, key, _ := strings.Cut(pg.Cursor[min(1, len(pg.Cursor)):], "/")
		seq, ok := wire.ParseSeqKey(seqPart)
		if !ok {
			return nil, wire.InvalidValue("The parameter NextToken is not a valid pagination token.")
		}
		after = &tagRow{class: int(pg.Cursor[0] - '0'), seq: seq, key: key}
	}
	s.mu.RLock()
	rows := s.tagRowsLocked(req.Region)
	s.mu.RUnlock()
	out := describeTagsResponse{RequestID: req.RequestID, Tags: wire.Set[xmlTagDescription]{Items: []xmlTagDescription{}}}
	for i := range rows {
		r := &rows[i]
		if after != nil && compareRows(r, after) <= 0 || !m.Match(r) {
			continue
		}
		if pg.Max > 0 && len(out.Tags.Items) == pg.Max {
			out.NextToken = wire.EncodeToken("tags", rows[i-1].cursor())
			break
		}
		out.Tags.Items = append(out.Tags.Items, xmlTagDescription{ResourceID: r.id, ResourceType: r.kind, Key: r.key, Value: r.value})
	}
	return out, nil
}

// tagRowsLocked lists every tag of the region's resources, in order;
// callers hold s.mu.
func (s *Service) tagRowsLocked(region string) []tagRow {
	var rows []tagRow
	add := func(class int, seq uint64, kind, id string, tags []protocol.Tag) {
		for _, t := range tags {
			rows = append(rows, tagRow{class: class, seq: seq, id: id, kind: kind, key: t.Key, value: t.Value, resource: tags})
		}
	}
	now := s.now()
	for _, in := range s.order {
		if in.Region == region && len(in.Tags) > 0 && !s.expiredAt(in, now) {
			add(0, in.Seq, "instance", in.ID, in.Tags)
		}
	}
	for _, k := range s.keys {
		if k.Region == region {
			add(0, k.Seq, "key-pair", k.ID, k.Tags)
		}
	}
	s.net.EachTagged(region, func(seq uint64, kind, id string, tags []protocol.Tag) { add(1, seq, kind, id, tags) })
	slices.SortFunc(rows, func(a, b tagRow) int { return compareRows(&a, &b) })
	return rows
}

func compareRows(a, b *tagRow) int {
	return cmp.Or(cmp.Compare(a.class, b.class), cmp.Compare(a.seq, b.seq), strings.Compare(a.key, b.key))
}
