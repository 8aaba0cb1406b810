package apigateway

import (
	"bytes"
	"encoding/json"
	"testing"
)

// tricky holds what JSON escapes: quotes, backslashes, control
// characters, HTML's <, > and &, invalid UTF-8, U+2028/U+2029, DEL and
// multi-byte runes.
const tricky = "a\"b\\c\x00\x01\b\f\n\r\t\x1f<>&\x7f\xff\xc3(é€😀\u2028\u2029"

func eventFor(s string) proxyEvent {
	body := s + "body"
	caller := "AIDA" + s
	return proxyEvent{
		Resource: "/{proxy+}", Path: "/" + s, HTTPMethod: "POST",
		Headers:           map[string]string{"Host": "h", "X-" + s: s, "": ""},
		MultiValueHeaders: map[string][]string{"Host": {"h"}, "X-" + s: {s, "2"}, "Empty": {}, "Nil": nil},
		PathParameters:    map[string]string{"proxy": s},
		StageVariables:    map[string]string{},
		RequestContext: requestContext{
			ResourceID: "r1", ResourcePath: "/{proxy+}", HTTPMethod: "POST", ExtendedRequestID: s, RequestTime: "05/Mar/2024:07:08:09 +0000",
			Path: "/prod/" + s, AccountID: "000000000000", Protocol: "HTTP/1.1", Stage: "prod", DomainPrefix: "abc",
			RequestTimeEpoch: -1709622489000, RequestID: s, DomainName: "abc.execute-api.localhost", DeploymentID: "d", APIID: "abc",
			Identity:   requestIdentity{SourceIP: "127.0.0.1", UserAgent: s, Caller: &caller, APIKey: s, APIKeyID: "k"},
			Authorizer: map[string]any{"principalId": s, "n": 1.5, "ok": true, "nested": map[string]any{"x": []any{nil, s}}},
		},
		Body: &body, IsBase64Encoded: true,
	}
}

func TestEventJSONIsEncodingJSONs(t *testing.T) {
	events := []proxyEvent{{}, eventFor(""), eventFor(tricky), eventFor("plain")}
	events[0].RequestContext.Authorizer = map[string]any{} // omitted, as omitempty does
	for i, ev := range events {
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.appendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("event %d: appendJSON gave (%v)\n%s\nwant json.Marshal's\n%s", i, err, got, want)
		}
	}
}

func FuzzEventJSON(f *testing.F) {
	f.Add(tricky)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		ev := eventFor(s)
		want, err := json.Marshal(ev)
		if err != nil {
			t.Skip()
		}
		if got, err := ev.appendJSON(nil); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("appendJSON(%q) gave (%v)\n%s\nwant\n%s", s, err, got, want)
		}
	})
}
