package iam

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// Patterns and bounds from the botocore model (iam/2010-05-08).
var (
	namePattern    = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern    = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	prefixPattern  = regexp.MustCompile(`^/[\x21-\x7F]*$`)
	tagKeyPattern  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValPattern  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	descPattern    = regexp.MustCompile(`^[\t\n\r\x20-\x7E\x{A1}-\x{FF}]*$`)
	maxPolicyBytes = 131072
)

const (
	maxTags             = 50
	defaultMaxItems     = 100
	defaultSessionLimit = 3600
)

// params wraps the request form with IAM's validation conventions, and
// tells who calls (GetUser and the access key calls default to the
// calling user).
type params struct {
	v      url.Values
	caller auth.Principal
}

func (p params) get(name string) string { return p.v.Get(name) }

func (p params) has(name string) bool { _, ok := p.v[name]; return ok }

func validation(format string, args ...any) *protocol.Error {
	return protocol.BadRequest("ValidationError", "1 validation error detected: "+format, args...)
}

// boolean reads an optional true/false parameter.
func (p params) boolean(field string) (bool, error) {
	switch strings.ToLower(p.get(field)) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, validation("Value '%s' at '%s' failed to satisfy constraint: Member must be true or false", p.get(field), member(field))
}

// required returns a non-empty parameter or AWS's "must not be null" error.
func (p params) required(name string) (string, error) {
	v := p.get(name)
	if v == "" {
		return "", validation("Value null at '%s' failed to satisfy constraint: Member must not be null", member(name))
	}
	return v, nil
}

// name validates an IAM entity name ([\w+=,.@-], 1..max).
func (p params) name(field string, max int) (string, error) {
	v, err := p.required(field)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(v) > max {
		return "", validation("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, member(field), max)
	}
	if !namePattern.MatchString(v) {
		return "", validation("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", v, member(field))
	}
	return v, nil
}

// path validates an optional entity path; "/" when absent.
func (p params) path(field string) (string, error) {
	if !p.has(field) {
		return "/", nil
	}
	v := p.get(field)
	if len(v) < 1 || len(v) > 512 || !pathPattern.MatchString(v) {
		return "", validation("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", v, member(field))
	}
	return v, nil
}

// newEntity reads what creating a user or an instance profile takes: its
// name (nameField, 1..max), path and tags, in IAM's order of checks.
func (p params) newEntity(nameField string, max int) (name, path string, tags []tag, err error) {
	if name, err = p.name(nameField, max); err != nil {
		return "", "", nil, err
	}
	if path, err = p.path("Path"); err != nil {
		return "", "", nil, err
	}
	if tags, err = p.tags(); err != nil {
		return "", "", nil, err
	}
	return name, path, tags, nil
}

// pathPrefix validates an optional listing filter; "/" when absent.
func (p params) pathPrefix() (string, error) {
	if !p.has("PathPrefix") {
		return "/", nil
	}
	v := p.get("PathPrefix")
	if len(v) > 512 || !prefixPattern.MatchString(v) {
		return "", validation("Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*", v)
	}
	return v, nil
}

func (p params) description() (string, error) {
	v := p.get("Description")
	if utf8.RuneCountInString(v) > 1000 || !descPattern.MatchString(v) {
		return "", validation("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000 and contain only printable characters")
	}
	return v, nil
}

// policyDocument validates a policy document field: present, within IAM's
// size bound and a JSON object; anything else is MalformedPolicyDocument.
func (p params) policyDocument(field string) (string, error) {
	doc, err := p.required(field)
	if err != nil {
		return "", err
	}
	if len(doc) > maxPolicyBytes {
		return "", validation("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", member(field), maxPolicyBytes)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &obj) != nil {
		return "", protocol.BadRequest("MalformedPolicyDocument", "This policy contains invalid Json")
	}
	if _, ok := obj["Statement"]; !ok {
		return "", protocol.BadRequest("MalformedPolicyDocument", "Syntax errors in policy.")
	}
	return doc, nil
}

// tags reads Tags.member.N.Key/Value and checks IAM's tag constraints.
func (p params) tags() ([]tag, error) {
	var out []tag
	seen := map[string]bool{}
	for _, m := range protocol.IndexedStructs(p.v, "Tags.member") {
		t := tag{Key: m["Key"], Value: m["Value"]}
		if len(t.Key) > 128 || !tagKeyPattern.MatchString(t.Key) {
			return nil, validation("Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128 and satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", t.Key)
		}
		if utf8.RuneCountInString(t.Value) > 256 || !tagValPattern.MatchString(t.Value) {
			return nil, validation("Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256 and satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", t.Value)
		}
		if seen[strings.ToLower(t.Key)] {
			return nil, protocol.BadRequest("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, validation("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxTags)
	}
	return out, nil
}

// page is one page of a listing, cut by Marker/MaxItems.
type page struct {
	start, end int
	truncated  bool
	marker     string
}

// paginate cuts keys (sorted, unique) after the request's Marker into at
// most MaxItems. The marker is the opaque encoding of the next key, so a
// deleted entity between pages never breaks the walk.
func (p params) paginate(keys []string) (page, error) {
	max, ok, perr := protocol.OptionalInt(p.v, "MaxItems", 1, 1000)
	if perr != nil {
		return page{}, perr
	}
	if !ok {
		max = defaultMaxItems
	}
	start := 0
	if p.has("Marker") {
		raw, err := base64.RawURLEncoding.DecodeString(p.get("Marker"))
		if err != nil || len(raw) == 0 {
			return page{}, validation("Value '%s' at 'marker' failed to satisfy constraint: Member must be a marker returned by a previous call", p.get("Marker"))
		}
		start = sort.SearchStrings(keys, string(raw))
	}
	end := min(start+max, len(keys))
	pg := page{start: start, end: end}
	if end < len(keys) {
		pg.truncated = true
		pg.marker = base64.RawURLEncoding.EncodeToString([]byte(keys[end]))
	}
	return pg, nil
}

// member is the camelCase member name AWS uses in validation messages.
func member(field string) string {
	if field == "" {
		return field
	}
	return strings.ToLower(field[:1]) + field[1:]
}

// idPrefix + 17 uppercase alphanumerics is IAM's unique-id form.
func uniqueID(prefix string) string { return prefix + protocol.UpperAlnumID(17) }

func itoa(n int) string { return strconv.Itoa(n) }
