package ec2

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// filterDefs names the Filter.N.Name values a Describe call understands for
// resources of type T.
type filterDefs[T any] struct {
	fields map[string]func(*T) string
	// tags gives the resource's tags for tag:<key>, tag-key and tag-value;
	// nil when the resource has none.
	tags func(*T) []protocol.Tag
}

type filterKind int

const (
	byField filterKind = iota
	byTag              // tag:<key> = value
	byTagKey
	byTagValue
)

type compiledFilter[T any] struct {
	kind   filterKind
	get    func(*T) string
	key    string
	values []string
}

// filterMatcher is an AND of filters, each an OR of wildcard patterns.
type filterMatcher[T any] struct {
	filters []compiledFilter[T]
	tags    func(*T) []protocol.Tag
}

// compile checks filter names against defs; unknown names are AWS's
// InvalidParameterValue.
func (d *filterDefs[T]) compile(filters []protocol.Filter) (filterMatcher[T], error) {
	m := filterMatcher[T]{tags: d.tags}
	for _, f := range filters {
		c := compiledFilter[T]{values: f.Values}
		switch {
		case d.tags != nil && strings.HasPrefix(f.Name, "tag:") && len(f.Name) > 4:
			c.kind, c.key = byTag, f.Name[4:]
		case d.tags != nil && f.Name == "tag-key":
			c.kind = byTagKey
		case d.tags != nil && f.Name == "tag-value":
			c.kind = byTagValue
		default:
			get, ok := d.fields[f.Name]
			if !ok {
				return m, invalidValue("The filter '%s' is invalid", f.Name)
			}
			c.get = get
		}
		m.filters = append(m.filters, c)
	}
	return m, nil
}

func (m *filterMatcher[T]) match(v *T) bool {
	for i := range m.filters {
		if !m.filters[i].match(v, m.tags) {
			return false
		}
	}
	return true
}

func (c *compiledFilter[T]) match(v *T, tags func(*T) []protocol.Tag) bool {
	switch c.kind {
	case byField:
		return anyGlob(c.values, c.get(v))
	case byTag:
		for _, t := range tags(v) {
			if t.Key == c.key && anyGlob(c.values, t.Value) {
				return true
			}
		}
	case byTagKey:
		for _, t := range tags(v) {
			if anyGlob(c.values, t.Key) {
				return true
			}
		}
	case byTagValue:
		for _, t := range tags(v) {
			if anyGlob(c.values, t.Value) {
				return true
			}
		}
	}
	return false
}

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if glob(p, s) {
			return true
		}
	}
	return false
}

// glob matches EC2 filter wildcards: * is any run, ? any one character, and
// a backslash escapes the next character. Backtracking is bounded by
// remembering only the last star, so hostile patterns stay linear-ish.
func glob(pattern, s string) bool {
	if !strings.ContainsAny(pattern, `*?\`) {
		return pattern == s
	}
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; {
			case c == '*':
				starP, starI = p, i
				p++
				continue
			case c == '?':
				p++
				i++
				continue
			case c == '\\' && p+1 < len(pattern):
				if pattern[p+1] == s[i] {
					p += 2
					i++
					continue
				}
			case c == s[i]:
				p++
				i++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
