package apigateway

import (
	"bytes"
	"maps"
	"testing"
)

var replySeeds = []string{
	`{"statusCode":200,"headers":{"Cache-Control":"no-store","Content-Type":"application/json"},"multiValueHeaders":null,"body":"{\"instanceId\":\"i-0123456789abcdef0\",\"state\":\"running\"}\n"}`,
	` { "statusCode" : 404 , "headers" : null , "body" : null , "isBase64Encoded" : null } `,
	`{"statusCode":201,"isBase64Encoded":true,"body":"AAH/","headers":{"Content-Type":"application/octet-stream"}}`,
	`{"statusCode":200,"body":"\u00e9\u20ac \ud83d\ude00 \/ \b\f\n\r\t é€"}`,
	`{"statusCode":200,"body":"x","body":"y"}`,
	`{"statusCode":"200"}`, `{"statusCode":200.0}`, `{"statusCode":2e2}`, `{"statusCode":007}`, `{"statusCode":99}`, `{"statusCode":600}`,
	`{"statusCode":200,"headers":{"A":1}}`, `{"statusCode":200,"headers":{"A":null}}`, `{"statusCode":200,"headers":{"A":"1","A":"2"}}`,
	`{"statusCode":200,"multiValueHeaders":{"A":["1","2"]}}`, `{"statusCode":200,"other":1}`, `{"statusCode":200,}`, `{"statusCode":200} x`,
	`{"statusCode":200,"isBase64Encoded":true,"body":"!"}`, "{\"statusCode\":200,\"body\":\"\xff\"}", `{}`, `[]`, `null`, ``,
}

// The fast path answers only as the general one does.
func FuzzScanProxyResponse(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		fast, ok := scanProxyResponse(out)
		if !ok {
			return
		}
		slow, err := decodeProxyResponse(out)
		if err != nil {
			t.Fatalf("%q: the fast path accepted what the general one refuses: %v", out, err)
		}
		if fast.status != slow.status || !maps.Equal(fast.headers, slow.headers) || len(slow.multiValueHeaders) != 0 || !bytes.Equal(fast.body, slow.body) {
			t.Fatalf("%q: fast %+v, general %+v", out, fast, slow)
		}
	})
}

// The usual replies take the fast path.
func TestScanProxyResponseTakesTheUsualReply(t *testing.T) {
	resp, ok := scanProxyResponse([]byte(replySeeds[0]))
	if !ok || resp.status != 200 || resp.headers["Cache-Control"] != "no-store" || string(resp.body) != "{\"instanceId\":\"i-0123456789abcdef0\",\"state\":\"running\"}\n" {
		t.Fatalf("scanProxyResponse = %+v, %v", resp, ok)
	}
	for _, s := range replySeeds[1:3] {
		if _, ok := scanProxyResponse([]byte(s)); !ok {
			t.Errorf("%s took the general path", s)
		}
	}
}
