package apigateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// proxyResponse is a validated Lambda proxy reply.
type proxyResponse struct {
	status            int
	headers           map[string]string
	multiValueHeaders map[string][]string
	body              []byte
}

// proxyResponseFields are the only keys API Gateway accepts in a proxy
// reply; any other makes it "Malformed Lambda proxy response".
var proxyResponseFields = map[string]bool{"statusCode": true, "headers": true, "multiValueHeaders": true, "body": true, "isBase64Encoded": true}

// parseProxyResponse validates a function's reply as API Gateway does.
func parseProxyResponse(out []byte) (*proxyResponse, error) {
	if resp, ok := scanProxyResponse(out); ok {
		return resp, nil
	}
	return decodeProxyResponse(out)
}

// decodeProxyResponse is parseProxyResponse for any reply, saying what is
// wrong with a malformed one.
func decodeProxyResponse(out []byte) (*proxyResponse, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(out, &fields); err != nil || fields == nil {
		return nil, errors.New("the reply is not a JSON object")
	}
	for k := range fields {
		if !proxyResponseFields[k] {
			return nil, fmt.Errorf("unexpected field %q (allowed: statusCode, headers, multiValueHeaders, body, isBase64Encoded)", k)
		}
	}
	resp := &proxyResponse{}
	raw, ok := fields["statusCode"]
	if !ok || isNull(raw) {
		return nil, errors.New("statusCode is missing")
	}
	var num json.Number
	// json.Number would also take "200" from a string; the reply must hold a number.
	if err := strictDecode(raw, &num); err != nil || bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) {
		return nil, fmt.Errorf("statusCode is not a number: %s", raw)
	}
	status, err := strconv.Atoi(num.String())
	// 1xx cannot be a final HTTP response, so it is as malformed as 600.
	if err != nil || status < 200 || status > 599 {
		return nil, fmt.Errorf("statusCode %s is not an integer between 200 and 599", num)
	}
	resp.status = status
	if raw, ok := fields["headers"]; ok && !isNull(raw) {
		if err := strictDecode(raw, &resp.headers); err != nil {
			return nil, fmt.Errorf("headers must map names to strings: %w", err)
		}
	}
	if raw, ok := fields["multiValueHeaders"]; ok && !isNull(raw) {
		if err := strictDecode(raw, &resp.multiValueHeaders); err != nil {
			return nil, fmt.Errorf("multiValueHeaders must map names to lists of strings: %w", err)
		}
	}
	var body string
	if raw, ok := fields["body"]; ok && !isNull(raw) {
		if err := strictDecode(raw, &body); err != nil {
			return nil, errors.New("body must be a string")
		}
	}
	var b64 bool
	if raw, ok := fields["isBase64Encoded"]; ok && !isNull(raw) {
		if err := strictDecode(raw, &b64); err != nil {
			return nil, errors.New("isBase64Encoded must be a boolean")
		}
	}
	resp.body = []byte(body)
	if b64 {
		if resp.body, err = base64.StdEncoding.DecodeString(body); err != nil {
			return nil, fmt.Errorf("isBase64Encoded is true but body is not base64: %w", err)
		}
	}
	return resp, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// strictDecode decodes one field of the reply into its typed target
// (json.Number, string, bool, string maps): a value of another JSON type
// is an error.
func strictDecode(raw json.RawMessage, v any) error { return json.Unmarshal(raw, v) }

// hopHeaders are framing headers the gateway owns; a function cannot set them.
var hopHeaders = map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Connection": true, "Keep-Alive": true, "Upgrade": true, "Trailer": true}

// write sends the reply. Where a header is in both maps, multiValueHeaders
// wins, as API Gateway merges them.
func (p *proxyResponse) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range p.headers {
		if _, both := p.multiValueHeaders[k]; !both && settable(k) {
			h.Set(k, v)
		}
	}
	for k, vs := range p.multiValueHeaders {
		if !settable(k) {
			continue
		}
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(p.status)
	_, _ = w.Write(p.body)
}

// settable reports whether a function may set header k: a valid token that
// is not a framing header.
func settable(k string) bool {
	if k == "" || hopHeaders[http.CanonicalHeaderKey(k)] {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
