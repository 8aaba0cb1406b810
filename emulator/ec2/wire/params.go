// Package wire holds the pieces of EC2's Query dialect that the service
// and its subpackages share: parameter parsing, filters, tags, ids,
// pagination tokens and the common XML shapes.
package wire

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Missing is AWS's error for an absent required parameter.
func Missing(name string) *protocol.Error {
	return protocol.BadRequest("MissingParameter", "The request must contain the parameter %s", name)
}

// InvalidValue is AWS's InvalidParameterValue.
func InvalidValue(format string, args ...any) *protocol.Error {
	return protocol.BadRequest("InvalidParameterValue", format, args...)
}

// Internal is a 500 for a failure of ours.
func Internal(format string, args ...any) *protocol.Error {
	return protocol.Errorf(500, "InternalError", "%s", fmt.Sprintf(format, args...))
}

// First returns a parameter's first value.
func First(params url.Values, name string) (string, bool) {
	v, ok := params[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// Bool reads an optional boolean; EC2 accepts true/false in any case.
func Bool(params url.Values, name string) (bool, error) {
	v, ok := First(params, name)
	if !ok {
		return false, nil
	}
	return parseBool(v, name)
}

// OptBool reads an optional boolean and says whether it was given.
func OptBool(params url.Values, name string) (value, present bool, err error) {
	v, ok := First(params, name)
	if !ok {
		return false, false, nil
	}
	b, err := parseBool(v, name)
	return b, true, err
}

func parseBool(v, name string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, InvalidValue("Invalid value '%s' for %s: expected true or false.", v, name)
}

// Int reads an optional integer.
func Int(params url.Values, name string) (n int, present bool, err error) {
	v, ok := First(params, name)
	if !ok {
		return 0, false, nil
	}
	n, convErr := strconv.Atoi(strings.TrimSpace(v))
	if convErr != nil {
		return 0, true, InvalidValue("Invalid value '%s' for %s: expected an integer.", v, name)
	}
	return n, true, nil
}

// IsHexID reports whether id is prefix followed by 8 or 17 lowercase hex
// digits, the two forms AWS has issued.
func IsHexID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || (len(rest) != 8 && len(rest) != 17) {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Dedupe drops repeated ids, keeping the first occurrence's order.
func Dedupe(ids []string) []string {
	if len(ids) < 2 {
		return ids
	}
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Page is a parsed MaxResults/NextToken pair.
type Page struct {
	Max    int    // 0: unlimited
	Cursor string // resume after this key; "" from the start
}

// PageParams reads MaxResults (5..limit) and NextToken for a listing whose
// tokens are of the given kind; MaxResults may not be combined with
// explicit ids (idSet names them in the error, as AWS does).
func PageParams(params url.Values, kind, idSet string, withIDs bool, limit int) (Page, error) {
	var p Page
	n, present, err := Int(params, "MaxResults")
	if err != nil {
		return p, err
	}
	if present {
		if withIDs {
			return p, protocol.BadRequest("InvalidParameterCombination",
				"The parameter %s cannot be used with the parameter maxResults", idSet)
		}
		if n < 5 || n > limit {
			return p, InvalidValue("Value ( %d ) for parameter maxResults is invalid. Parameter may be between 5 and %d.", n, limit)
		}
		p.Max = n
	}
	if tok, ok := First(params, "NextToken"); ok && tok != "" {
		cursor, ok := DecodeToken(kind, tok)
		if !ok {
			return p, InvalidValue("The parameter NextToken is not a valid pagination token: '%s'.", tok)
		}
		p.Cursor = cursor
	}
	return p, nil
}

const tokenVersion = "v1"

// EncodeToken makes an opaque NextToken resuming after cursor.
func EncodeToken(kind, cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenVersion + "|" + kind + "|" + cursor))
}

// DecodeToken reads a token EncodeToken made for the same kind.
func DecodeToken(kind, tok string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	cursor, ok := strings.CutPrefix(string(raw), tokenVersion+"|"+kind+"|")
	if !ok || cursor == "" {
		return "", false
	}
	return cursor, true
}

// SeqKey orders records by creation sequence in tokens.
func SeqKey(seq uint64) string {
	return strconv.FormatUint(seq, 16)
}

// ParseSeqKey reads a SeqKey back.
func ParseSeqKey(k string) (uint64, bool) {
	n, err := strconv.ParseUint(k, 16, 64)
	return n, err == nil
}
