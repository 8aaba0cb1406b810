package apigateway

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The proxy event is encoded for every invocation: appendJSON writes the
// bytes json.Marshal writes for it (TestEventJSONIsEncodingJSONs checks),
// without reflection.

// appendJSON appends the event as json.Marshal encodes it.
func (ev *proxyEvent) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"resource":`...)
	b = appendString(b, ev.Resource)
	b = append(b, `,"path":`...)
	b = appendString(b, ev.Path)
	b = append(b, `,"httpMethod":`...)
	b = appendString(b, ev.HTTPMethod)
	b = append(b, `,"headers":`...)
	b = appendStringMap(b, ev.Headers)
	b = append(b, `,"multiValueHeaders":`...)
	b = appendListMap(b, ev.MultiValueHeaders)
	b = append(b, `,"queryStringParameters":`...)
	b = appendStringMap(b, ev.QueryStringParameters)
	b = append(b, `,"multiValueQueryStringParameters":`...)
	b = appendListMap(b, ev.MultiValueQueryStringParameters)
	b = append(b, `,"pathParameters":`...)
	b = appendStringMap(b, ev.PathParameters)
	b = append(b, `,"stageVariables":`...)
	b = appendStringMap(b, ev.StageVariables)
	b = append(b, `,"requestContext":`...)
	b, err := ev.RequestContext.appendJSON(b)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"body":`...)
	b = appendOptional(b, ev.Body)
	b = append(b, `,"isBase64Encoded":`...)
	b = strconv.AppendBool(b, ev.IsBase64Encoded)
	return append(b, '}'), nil
}

func (c *requestContext) appendJSON(b []byte) ([]byte, error) {
	for _, f := range []struct{ name, value string }{
		{`{"resourceId":`, c.ResourceID}, {`,"resourcePath":`, c.ResourcePath}, {`,"httpMethod":`, c.HTTPMethod},
		{`,"extendedRequestId":`, c.ExtendedRequestID}, {`,"requestTime":`, c.RequestTime}, {`,"path":`, c.Path},
		{`,"accountId":`, c.AccountID}, {`,"protocol":`, c.Protocol}, {`,"stage":`, c.Stage}, {`,"domainPrefix":`, c.DomainPrefix},
	} {
		b = append(b, f.name...)
		b = appendString(b, f.value)
	}
	b = append(b, `,"requestTimeEpoch":`...)
	b = strconv.AppendInt(b, c.RequestTimeEpoch, 10)
	b = append(b, `,"requestId":`...)
	b = appendString(b, c.RequestID)
	b = append(b, `,"identity":`...)
	b = c.Identity.appendJSON(b)
	b = append(b, `,"domainName":`...)
	b = appendString(b, c.DomainName)
	b = append(b, `,"deploymentId":`...)
	b = appendString(b, c.DeploymentID)
	b = append(b, `,"apiId":`...)
	b = appendString(b, c.APIID)
	if len(c.Authorizer) > 0 { // omitempty; a Lambda authorizer's context, any JSON
		auth, err := json.Marshal(c.Authorizer)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"authorizer":`...)
		b = append(b, auth...)
	}
	return append(b, '}'), nil
}

func (id *requestIdentity) appendJSON(b []byte) []byte {
	for _, f := range []struct {
		name  string
		value *string
	}{
		{`{"cognitoIdentityPoolId":`, id.CognitoIdentityPoolID}, {`,"accountId":`, id.AccountID},
		{`,"cognitoIdentityId":`, id.CognitoIdentityID}, {`,"caller":`, id.Caller},
	} {
		b = append(b, f.name...)
		b = appendOptional(b, f.value)
	}
	if id.APIKey != "" {
		b = append(b, `,"apiKey":`...)
		b = appendString(b, id.APIKey)
	}
	if id.APIKeyID != "" {
		b = append(b, `,"apiKeyId":`...)
		b = appendString(b, id.APIKeyID)
	}
	b = append(b, `,"sourceIp":`...)
	b = appendString(b, id.SourceIP)
	for _, f := range []struct {
		name  string
		value *string
	}{
		{`,"principalOrgId":`, id.PrincipalOrgID}, {`,"accessKey":`, id.AccessKey},
		{`,"cognitoAuthenticationType":`, id.CognitoAuthenticationType},
		{`,"cognitoAuthenticationProvider":`, id.CognitoAuthenticationProvider}, {`,"userArn":`, id.UserArn},
	} {
		b = append(b, f.name...)
		b = appendOptional(b, f.value)
	}
	b = append(b, `,"userAgent":`...)
	b = appendString(b, id.UserAgent)
	b = append(b, `,"user":`...)
	b = appendOptional(b, id.User)
	return append(b, '}')
}

func appendOptional(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendStringMap encodes m as json.Marshal does: null when nil, keys
// sorted.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

func appendListMap(b []byte, m map[string][]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		vs := m[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendString quotes s as json.Marshal does: HTML-safe (<, > and & as
// \u00XX), control characters escaped, invalid UTF-8 as \ufffd, and
// U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
