package wire

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Filters names the Filter.N.Name values a Describe call understands for
// resources of type T.
type Filters[T any] struct {
	// Fields are single-valued attributes (vpc-id, state).
	Fields map[string]func(*T) string
	// Lists are attributes with several values (a security group's rule
	// CIDRs, a route table's destinations); any value may match.
	Lists map[string]func(*T) []string
	// Tags gives the resource's tags for tag:<key>, tag-key and tag-value;
	// nil when the resource has none.
	Tags func(*T) []protocol.Tag
}

type filterKind int

const (
	byField filterKind = iota
	byList
	byTag // tag:<key> = value
	byTagKey
	byTagValue
)

type compiledFilter[T any] struct {
	kind   filterKind
	get    func(*T) string
	list   func(*T) []string
	key    string
	values []string
}

// Matcher is an AND of filters, each an OR of wildcard patterns.
type Matcher[T any] struct {
	filters []compiledFilter[T]
	tags    func(*T) []protocol.Tag
}

// Compile checks filter names against d; unknown names are AWS's
// InvalidParameterValue.
func (d *Filters[T]) Compile(filters []protocol.Filter) (Matcher[T], error) {
	m := Matcher[T]{tags: d.Tags}
	for _, f := range filters {
		c := compiledFilter[T]{values: f.Values}
		switch {
		case d.Tags != nil && strings.HasPrefix(f.Name, "tag:") && len(f.Name) > 4:
			c.kind, c.key = byTag, f.Name[4:]
		case d.Tags != nil && f.Name == "tag-key":
			c.kind = byTagKey
		case d.Tags != nil && f.Name == "tag-value":
			c.kind = byTagValue
		default:
			if get, ok := d.Fields[f.Name]; ok {
				c.get = get
			} else if list, ok := d.Lists[f.Name]; ok {
				c.kind, c.list = byList, list
			} else {
				return m, InvalidValue("The filter '%s' is invalid", f.Name)
			}
		}
		m.filters = append(m.filters, c)
	}
	return m, nil
}

// Match reports whether v passes every filter.
func (m *Matcher[T]) Match(v *T) bool {
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
	case byList:
		for _, s := range c.list(v) {
			if anyGlob(c.values, s) {
				return true
			}
		}
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
		if Glob(p, s) {
			return true
		}
	}
	return false
}

// Glob matches EC2 filter wildcards: * is any run, ? any one character, and
// a backslash escapes the next character. Backtracking is bounded by
// remembering only the last star, so hostile patterns stay linear-ish.
func Glob(pattern, s string) bool {
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
