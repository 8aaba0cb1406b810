package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Redacted replaces the value of every credential a trace shows.
const Redacted = "[redacted]"

// maxKeptEvent is the largest event a trace keeps as sent; a larger one
// (API Gateway accepts 10 MB bodies) is kept without its body.
const maxKeptEvent = 64 << 10

// secretWords mark a key whose value is a credential, in headers, query
// parameters and event fields alike (compared in lower case): the
// Authorization header and a TOKEN authorizer's authorizationToken, API
// keys, session tokens, SigV4 presigned-URL parameters, cookies.
var secretWords = []string{"authorization", "token", "secret", "password", "credential", "signature", "cookie"}

// secretKeys are whole keys, compared in lower case without '-' and '_'
// (x-api-key, api_key, apiKey, key alike).
var secretKeys = map[string]bool{"xapikey": true, "apikey": true, "key": true, "accesskey": true, "xamzsecuritytoken": true}

func isSecret(key string) bool {
	k := strings.ToLower(key)
	if secretKeys[strings.NewReplacer("-", "", "_", "").Replace(k)] {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redactEvent returns the event with every credential's value replaced.
func redactEvent(raw []byte) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers stay as sent
	var v any
	if err := dec.Decode(&v); err != nil {
		return notKept(fmt.Sprintf("(%d bytes, not JSON)", len(raw)))
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return notKept(fmt.Sprintf("(%d bytes, could not be rendered)", len(raw)))
	}
	return out
}

func notKept(msg string) json.RawMessage {
	b, _ := json.Marshal(msg)
	return b
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if isSecret(k) {
				x[k] = redactLeaves(val)
			} else {
				x[k] = redactValue(val)
			}
		}
	case []any:
		for i, val := range x {
			x[i] = redactValue(val)
		}
	}
	return v
}

// redactLeaves replaces every non-null value, keeping arrays' shape (the
// multiValueHeaders of an Authorization header).
func redactLeaves(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		for i := range x {
			x[i] = redactLeaves(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = redactLeaves(x[k])
		}
		return x
	}
	return Redacted
}

// redactQuery hides the values of credential parameters of a raw query.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && isSecret(name) {
			parts[i] = k + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// keptEvent is the event a trace keeps: as sent when small, else redacted
// now without its body (so the large body is not held).
func keptEvent(event []byte) []byte {
	if len(event) <= maxKeptEvent {
		return event
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	if dec.Decode(&m) != nil || m == nil {
		return notKept(fmt.Sprintf("(an event of %d bytes: events over %d KiB are not kept)", len(event), maxKeptEvent>>10))
	}
	if body, ok := m["body"].(string); ok {
		m["body"] = fmt.Sprintf("(%d bytes, not kept: events over %d KiB are kept without their body)", len(body), maxKeptEvent>>10)
	}
	out, err := json.Marshal(redactValue(m))
	if err != nil || len(out) > maxKeptEvent {
		return notKept(fmt.Sprintf("(an event of %d bytes: events over %d KiB are not kept)", len(event), maxKeptEvent>>10))
	}
	return out
}
