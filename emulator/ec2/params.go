package ec2

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// boolParam reads an optional boolean; EC2 accepts true/false in any case.
func boolParam(params url.Values, name string) (bool, error) {
	v, ok := first(params, name)
	if !ok {
		return false, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalidValue("Invalid value '%s' for %s: expected true or false.", v, name)
}

// intParam reads an optional integer.
func intParam(params url.Values, name string) (n int, present bool, err error) {
	v, ok := first(params, name)
	if !ok {
		return 0, false, nil
	}
	n, convErr := strconv.Atoi(strings.TrimSpace(v))
	if convErr != nil {
		return 0, true, invalidValue("Invalid value '%s' for %s: expected an integer.", v, name)
	}
	return n, true, nil
}

// isHexID reports whether id is prefix followed by 8 or 17 lowercase hex
// digits, the two forms AWS has issued.
func isHexID(id, prefix string) bool {
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

func malformedInstanceID(id string) *protocol.Error {
	return protocol.BadRequest("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
}

// instancesNotFound lists every unknown id in one error, as AWS does.
func instancesNotFound(ids []string) *protocol.Error {
	if len(ids) == 1 {
		return protocol.BadRequest("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", ids[0])
	}
	return protocol.BadRequest("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(ids, ", "))
}

// checkInstanceIDs validates the syntax of every id before any lookup.
func checkInstanceIDs(ids []string) error {
	for _, id := range ids {
		if !isHexID(id, "i-") {
			return malformedInstanceID(id)
		}
	}
	return nil
}

// page is a parsed MaxResults/NextToken pair.
type page struct {
	max    int    // 0: unlimited
	cursor string // resume after this key; "" from the start
}

// pageParams reads MaxResults (5..1000) and NextToken for a listing whose
// tokens are of the given kind; MaxResults may not be combined with explicit
// ids.
func pageParams(params url.Values, kind string, withIDs bool) (page, error) {
	var p page
	n, present, err := intParam(params, "MaxResults")
	if err != nil {
		return p, err
	}
	if present {
		if withIDs {
			return p, protocol.BadRequest("InvalidParameterCombination",
				"The parameter instancesSet cannot be used with the parameter maxResults")
		}
		if n < 5 || n > 1000 {
			return p, invalidValue("Value ( %d ) for parameter maxResults is invalid. Parameter may be between 5 and 1000.", n)
		}
		p.max = n
	}
	if tok, ok := first(params, "NextToken"); ok && tok != "" {
		cursor, ok := decodeToken(kind, tok)
		if !ok {
			return p, invalidValue("The parameter NextToken is not a valid pagination token: '%s'.", tok)
		}
		p.cursor = cursor
	}
	return p, nil
}

const tokenVersion = "v1"

// encodeToken makes an opaque NextToken resuming after cursor.
func encodeToken(kind, cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenVersion + "|" + kind + "|" + cursor))
}

func decodeToken(kind, tok string) (string, bool) {
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

// seqKey orders instances by launch sequence in tokens.
func seqKey(seq uint64) string {
	return strconv.FormatUint(seq, 16)
}

func parseSeqKey(k string) (uint64, bool) {
	n, err := strconv.ParseUint(k, 16, 64)
	return n, err == nil
}
