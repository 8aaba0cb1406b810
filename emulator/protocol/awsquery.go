package protocol

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// QueryResponse is an awsQuery (IAM, STS) success document:
//
//	<{Action}Response xmlns="{Namespace}">
//	  <{Action}Result>…Result's fields…</{Action}Result>
//	  <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>
//	</{Action}Response>
//
// A nil Result omits the Result element, as AWS does for actions that
// return nothing (DeleteRole and the like).
type QueryResponse struct {
	Action    string
	Namespace string
	RequestID string
	Result    any
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// MarshalXML writes the envelope with element names derived from Action.
func (r QueryResponse) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: r.Action + "Response"}}
	if r.Namespace != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: r.Namespace}}
	}
	if err := e.EncodeToken(start); err != nil {
		return fmt.Errorf("failed to encode %s response: %w", r.Action, err)
	}
	if r.Result != nil {
		if err := e.EncodeElement(r.Result, xml.StartElement{Name: xml.Name{Local: r.Action + "Result"}}); err != nil {
			return fmt.Errorf("failed to encode %s result: %w", r.Action, err)
		}
	}
	if err := e.EncodeElement(responseMetadata{RequestID: r.RequestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		return fmt.Errorf("failed to encode %s metadata: %w", r.Action, err)
	}
	return e.EncodeToken(start.End())
}

// PolicyEscape URL-encodes a policy document the way IAM returns it: every
// byte outside the unreserved set percent-encoded, spaces as %20 (never
// '+'), so that both Python's unquote (the aws CLI) and Go's
// url.QueryUnescape restore the exact document.
func PolicyEscape(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// OptionalInt reads an integer parameter; ok is false when it is absent.
// A present but malformed value is a ValidationError naming the field, as
// the awsQuery services report it.
func OptionalInt(params url.Values, name string, min, max int) (v int, ok bool, err *Error) {
	raw, present := params[name]
	if !present || len(raw) == 0 {
		return 0, false, nil
	}
	n, perr := strconv.Atoi(strings.TrimSpace(raw[0]))
	if perr != nil {
		return 0, false, BadRequest("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be an integer", raw[0], lowerFirst(name))
	}
	if n < min || n > max {
		return 0, false, BadRequest("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between %d and %d", n, lowerFirst(name), min, max)
	}
	return n, true, nil
}

// lowerFirst turns a parameter name into the camelCase member name AWS
// validation messages use (RoleName -> roleName).
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
