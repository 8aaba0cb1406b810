package wire

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// MaxTags is AWS's limit of tags per resource.
const MaxTags = 50

// TagArg is one Tag.N entry; HasValue tells an absent value from "" (for
// DeleteTags, where only an explicit value restricts the deletion).
type TagArg struct {
	protocol.Tag
	HasValue bool
}

// ParseTagArgs reads prefix.N.Key / prefix.N.Value until an N has neither.
func ParseTagArgs(params url.Values, prefix string) ([]TagArg, error) {
	var out []TagArg
	for i := 1; ; i++ {
		p := prefix + "." + strconv.Itoa(i)
		key, hasKey := First(params, p+".Key")
		value, hasValue := First(params, p+".Value")
		if !hasKey && !hasValue {
			return out, nil
		}
		if !hasKey || key == "" {
			return nil, InvalidValue("Tag key must not be empty (%s.Key).", p)
		}
		if err := checkTag(key, value); err != nil {
			return nil, err
		}
		out = append(out, TagArg{Tag: protocol.Tag{Key: key, Value: value}, HasValue: hasValue})
	}
}

func checkTag(key, value string) error {
	switch {
	case len(key) > 128:
		return InvalidValue("Tag key exceeds the maximum length of 128 characters: '%s'.", key)
	case len(value) > 256:
		return InvalidValue("Tag value exceeds the maximum length of 256 characters for key '%s'.", key)
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return InvalidValue("Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

// ParseTags reads tags to set (key required, value defaults to "").
func ParseTags(params url.Values, prefix string) ([]protocol.Tag, error) {
	args, err := ParseTagArgs(params, prefix)
	if err != nil {
		return nil, err
	}
	tags := make([]protocol.Tag, len(args))
	for i, a := range args {
		tags[i] = a.Tag
	}
	if len(tags) > MaxTags {
		return nil, TagLimit()
	}
	return tags, nil
}

// TagLimit is the error for a resource that would carry more than MaxTags.
func TagLimit() error {
	return protocol.BadRequest("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
}

// SpecTags reads the TagSpecification.N parameters of a create call
// (ResourceType and Tag.M.Key/Value) and returns the tags of each resource
// type, merged across the specifications that name it. A type that would
// get more than MaxTags tags is refused with TagLimitExceeded before
// anything is created, however the tags are spread over specifications,
// as AWS counts them per resource. allowed lists the resource types the
// operation creates; another type is an InvalidParameterValue.
func SpecTags(params url.Values, allowed ...string) (map[string][]protocol.Tag, error) {
	out := map[string][]protocol.Tag{}
	for i := 1; ; i++ {
		prefix := "TagSpecification." + strconv.Itoa(i)
		rt, ok := First(params, prefix+".ResourceType")
		if !ok {
			return out, nil
		}
		if !slices.Contains(allowed, rt) {
			return nil, InvalidValue("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		tags, err := ParseTags(params, prefix+".Tag")
		if err != nil {
			return nil, err
		}
		if out[rt] = MergeTags(out[rt], tags); len(out[rt]) > MaxTags {
			return nil, TagLimit()
		}
	}
}

// MergeTags returns a new key-sorted slice with add applied over old; old
// is never modified, so readers holding it stay consistent.
func MergeTags(old, add []protocol.Tag) []protocol.Tag {
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

// RemoveTags returns old without the tags del names (all of them when del
// is empty); a tag with an explicit value is removed only on equal value.
func RemoveTags(old []protocol.Tag, del []TagArg) []protocol.Tag {
	if len(del) == 0 {
		return nil
	}
	out := make([]protocol.Tag, 0, len(old))
	for _, t := range old {
		drop := slices.ContainsFunc(del, func(d TagArg) bool {
			return d.Key == t.Key && (!d.HasValue || d.Value == t.Value)
		})
		if !drop {
			out = append(out, t)
		}
	}
	return out
}
