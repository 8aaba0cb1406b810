package apigateway

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func decodeEvent(t *testing.T, payload []byte) events.APIGatewayProxyRequest {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("event does not decode into events.APIGatewayProxyRequest: %v\n%s", err, payload)
	}
	return ev
}

func TestExecuteRouting(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		method, path string
		status       int
		resource     string
		params       map[string]string
	}{
		{"GET", "/", 200, "/", nil},
		{"GET", "/pets", 200, "/pets", nil},
		{"GET", "/pets/", 200, "/pets", nil},
		{"GET", "/pets/42", 200, "/pets/{id}", map[string]string{"id": "42"}},
		{"DELETE", "/pets/42", 200, "/pets/{id}", map[string]string{"id": "42"}},
		{"GET", "/pets/mine", 200, "/pets/mine", nil},
		{"PUT", "/pets/42/toys", 200, "/pets/{id}/toys", map[string]string{"id": "42"}},
		{"PATCH", "/pets/mine/toys", 200, "/pets/{id}/toys", map[string]string{"id": "mine"}}, // backtracks from the literal
		{"GET", "/files/a", 200, "/files/{proxy+}", map[string]string{"proxy": "a"}},
		{"POST", "/files/a/b/c.txt", 200, "/files/{proxy+}", map[string]string{"proxy": "a/b/c.txt"}},
		{"GET", "/empty/x", 200, "/empty/x", nil},
		{"GET", "/files", 403, "", nil},   // greedy needs at least one segment
		{"POST", "/pets", 403, "", nil},   // resource without that method
		{"HEAD", "/pets", 403, "", nil},   // no fallback from HEAD to GET
		{"GET", "/nothing", 403, "", nil}, // no resource
		{"GET", "/empty", 403, "", nil},   // resource without methods
		{"GET", "/pets/42/other", 403, "", nil},
		{"GET", "/Pets", 403, "", nil}, // literals are case-sensitive
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			before := f.inv.count()
			rec := f.exec(t, tt.method, "prod", tt.path, nil, nil)
			if rec.Code != tt.status {
				t.Fatalf("HTTP %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			if tt.status == 403 {
				if got := strings.TrimSpace(rec.Body.String()); got != `{"message":"Missing Authentication Token"}` {
					t.Fatalf("body %s", got)
				}
				if f.inv.count() != before {
					t.Fatal("function invoked for an unmatched route")
				}
				return
			}
			inv := f.inv.last(t)
			if inv.region != "eu-west-1" || inv.ref != testFunctionARN {
				t.Fatalf("invoked %s in %s", inv.ref, inv.region)
			}
			ev := decodeEvent(t, inv.payload)
			if ev.Resource != tt.resource || ev.RequestContext.ResourcePath != tt.resource || ev.RequestContext.ResourceID != f.ids[tt.resource] {
				t.Fatalf("resource %q (%q, id %q), want %q (id %q)", ev.Resource, ev.RequestContext.ResourcePath, ev.RequestContext.ResourceID, tt.resource, f.ids[tt.resource])
			}
			if !maps.Equal(ev.PathParameters, tt.params) || (tt.params == nil) != (ev.PathParameters == nil) {
				t.Fatalf("pathParameters %v, want %v", ev.PathParameters, tt.params)
			}
			if ev.HTTPMethod != tt.method || ev.Path != tt.path {
				t.Fatalf("httpMethod %q path %q", ev.HTTPMethod, ev.Path)
			}
		})
	}
}

func TestExecuteEvent(t *testing.T) {
	f := newFixture(t)
	h := http.Header{"X-Multi": {"a", "b"}, "User-Agent": {"test-agent/1"}, "Content-Type": {"application/json"}}
	rec := f.exec(t, "PUT", "prod", "/pets/7/toys?q=1&q=2&single=x", []byte(`{"name":"ball"}`), h)
	if rec.Code != 200 {
		t.Fatalf("HTTP %d %s", rec.Code, rec.Body)
	}
	raw := f.inv.last(t).payload
	ev := decodeEvent(t, raw)
	rc := ev.RequestContext
	checks := []struct {
		name      string
		got, want any
	}{
		{"resource", ev.Resource, "/pets/{id}/toys"},
		{"path", ev.Path, "/pets/7/toys"},
		{"httpMethod", ev.HTTPMethod, "PUT"},
		{"headers single keeps last", ev.Headers["X-Multi"], "b"},
		{"multiValueHeaders", strings.Join(ev.MultiValueHeaders["X-Multi"], ","), "a,b"},
		{"host header", ev.Headers["Host"], "abc.execute-api.localhost.localstack.cloud:4566"},
		{"query single keeps last", ev.QueryStringParameters["q"], "2"},
		{"query multi", strings.Join(ev.MultiValueQueryStringParameters["q"], ","), "1,2"},
		{"query other", ev.QueryStringParameters["single"], "x"},
		{"pathParameters", ev.PathParameters["id"], "7"},
		{"stageVariables", ev.StageVariables["color"], "blue"},
		{"body", ev.Body, `{"name":"ball"}`},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"accountId", rc.AccountID, "000000000000"},
		{"apiId", rc.APIID, f.api},
		{"resourceId", rc.ResourceID, f.ids["/pets/{id}/toys"]},
		{"resourcePath", rc.ResourcePath, "/pets/{id}/toys"},
		{"rc httpMethod", rc.HTTPMethod, "PUT"},
		{"rc path", rc.Path, "/prod/pets/7/toys"},
		{"stage", rc.Stage, "prod"},
		{"requestId", rc.RequestID, rec.Header().Get("x-amzn-RequestId")},
		{"extendedRequestId", rc.ExtendedRequestID, rec.Header().Get("x-amz-apigw-id")},
		{"requestTime", rc.RequestTime, "05/Mar/2024:07:08:09 +0000"},
		{"requestTimeEpoch", rc.RequestTimeEpoch, testNow.UnixMilli()},
		{"protocol", rc.Protocol, "HTTP/1.1"},
		{"sourceIp", rc.Identity.SourceIP, "192.0.2.1"},
		{"userAgent", rc.Identity.UserAgent, "test-agent/1"},
		{"domainName", rc.DomainName, "abc.execute-api.localhost.localstack.cloud"},
		{"domainPrefix", rc.DomainPrefix, "abc"},
		{"X-Forwarded-For", ev.Headers["X-Forwarded-For"], "192.0.2.1"},
		{"X-Forwarded-Proto", ev.Headers["X-Forwarded-Proto"], "http"},
		{"X-Forwarded-Port", ev.Headers["X-Forwarded-Port"], "4566"},
		{"X-Amzn-Trace-Id", strings.HasPrefix(ev.Headers["X-Amzn-Trace-Id"], "Root=1-"), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if len(rc.RequestID) != 36 || len(rc.ExtendedRequestID) != 16 {
		t.Errorf("request ids %q %q", rc.RequestID, rc.ExtendedRequestID)
	}

	// Without query, path parameters or body, those fields are null, not {}.
	f.exec(t, "GET", "prod", "/pets", nil, nil)
	var generic map[string]json.RawMessage
	if err := json.Unmarshal(f.inv.last(t).payload, &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "body"} {
		if string(generic[k]) != "null" {
			t.Errorf("%s = %s, want null", k, generic[k])
		}
	}
}

func TestExecuteBinaryBodies(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantB64     bool
	}{
		{"utf-8 text", "text/plain", []byte("héllo"), false},
		{"invalid utf-8", "application/octet-stream", []byte{0xff, 0xfe, 0x00, 0x01}, true},
		{"binary media type", "image/png", []byte("PNGish but valid text"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.exec(t, "POST", "prod", "/files/up", tt.body, http.Header{"Content-Type": {tt.contentType}})
			ev := decodeEvent(t, f.inv.last(t).payload)
			if ev.IsBase64Encoded != tt.wantB64 {
				t.Fatalf("isBase64Encoded %v", ev.IsBase64Encoded)
			}
			got := []byte(ev.Body)
			if tt.wantB64 {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatal(err)
				}
			}
			if string(got) != string(tt.body) {
				t.Fatalf("body %q, want %q", got, tt.body)
			}
		})
	}
	t.Run("base64 reply is decoded", func(t *testing.T) {
		f.inv.mu.Lock()
		f.inv.output = []byte(`{"statusCode":201,"isBase64Encoded":true,"body":"` + base64.StdEncoding.EncodeToString([]byte{0, 1, 0xff}) + `","headers":{"Content-Type":"application/octet-stream"}}`)
		f.inv.mu.Unlock()
		rec := f.exec(t, "GET", "prod", "/pets", nil, nil)
		if rec.Code != 201 || rec.Body.String() != "\x00\x01\xff" || rec.Header().Get("Content-Type") != "application/octet-stream" {
			t.Fatalf("HTTP %d %q %v", rec.Code, rec.Body, rec.Header())
		}
	})
}

func TestExecuteReplies(t *testing.T) {
	tests := []struct {
		name   string
		output string
		fnErr  string
		err    error
		status int
		body   string
		header http.Header
	}{
		{"minimal", `{"statusCode":204}`, "", nil, 204, "", http.Header{"Content-Type": {"application/json"}}},
		{"headers merged, multi wins", `{"statusCode":200,"body":"hi","headers":{"X-A":"1","X-B":"single","Content-Type":"text/plain"},"multiValueHeaders":{"X-B":["m1","m2"]}}`, "", nil, 200, "hi",
			http.Header{"X-A": {"1"}, "X-B": {"m1", "m2"}, "Content-Type": {"text/plain"}}},
		{"nulls allowed", `{"statusCode":404,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}`, "", nil, 404, "", nil},
		{"framing headers dropped", `{"statusCode":200,"body":"abc","headers":{"Content-Length":"999"}}`, "", nil, 200, "abc", http.Header{"Content-Length": nil}},
		{"not an object", `"hello"`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"not JSON", `statusCode: 200`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"null", `null`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"missing statusCode", `{"body":"x"}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"string statusCode", `{"statusCode":"200"}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"fractional statusCode", `{"statusCode":200.5}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"statusCode out of range", `{"statusCode":700}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"non-string header", `{"statusCode":200,"headers":{"X":1}}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"non-string body", `{"statusCode":200,"body":{"a":1}}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"bad base64", `{"statusCode":200,"body":"***","isBase64Encoded":true}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"unknown field", `{"statusCode":200,"cookies":["a=b"]}`, "", nil, 502, `{"message":"Internal server error"}`, nil},
		{"function error", `{"errorMessage":"boom","errorType":"Error"}`, "Unhandled", nil, 502, `{"message":"Internal server error"}`, nil},
		{"invoke error", ``, "", errors.New("ResourceNotFoundException: Function not found"), 502, `{"message":"Internal server error"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.inv.output, f.inv.fnErr, f.inv.err = []byte(tt.output), tt.fnErr, tt.err
			rec := f.exec(t, "GET", "prod", "/pets", nil, nil)
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Fatalf("HTTP %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.body)
			}
			for k, want := range tt.header {
				if got := rec.Header().Values(k); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if rec.Header().Get("x-amzn-RequestId") == "" || rec.Header().Get("x-amz-apigw-id") == "" {
				t.Errorf("missing request id headers: %v", rec.Header())
			}
		})
	}
}

func TestExecuteTimeout(t *testing.T) {
	f := newFixture(t)
	base := "/restapis/" + f.api + "/resources/" + f.ids["/pets"] + "/methods/GET/integration"
	ctl(t, f.s, "PUT", base, map[string]any{"type": "AWS_PROXY", "httpMethod": "POST", "uri": testLambdaURI, "timeoutInMillis": 50})
	ctl(t, f.s, "POST", "/restapis/"+f.api+"/deployments", map[string]any{"stageName": "prod"})
	f.inv.block = true
	rec := f.exec(t, "GET", "prod", "/pets", nil, nil)
	if rec.Code != http.StatusGatewayTimeout || !strings.Contains(rec.Body.String(), "Endpoint request timed out") {
		t.Fatalf("HTTP %d %s", rec.Code, rec.Body)
	}
}

func TestExecuteGatewayErrors(t *testing.T) {
	f := newFixture(t)
	disabled := ctl(t, f.s, "POST", "/apikeys", map[string]any{"name": "off", "enabled": false})
	tests := []struct {
		name, api, stage, path string
		header                 http.Header
		body                   []byte
		status                 int
		message                string
	}{
		{"unknown api", "nope", "prod", "/pets", nil, nil, 404, "Not Found"},
		{"unknown stage", f.api, "beta", "/pets", nil, nil, 404, "Not Found"},
		{"empty stage", f.api, "", "/", nil, nil, 404, "Not Found"},
		{"api key missing", f.api, "prod", "/secret", nil, nil, 403, "Forbidden"},
		{"api key unknown", f.api, "prod", "/secret", http.Header{"X-Api-Key": {"not-a-key-at-all-xxxxxxxx"}}, nil, 403, "Forbidden"},
		{"api key in no plan", f.api, "prod", "/secret", http.Header{"X-Api-Key": {f.other}}, nil, 403, "Forbidden"},
		{"api key disabled", f.api, "prod", "/secret", http.Header{"X-Api-Key": {disabled["value"].(string)}}, nil, 403, "Forbidden"},
		{"api key valid", f.api, "prod", "/secret", http.Header{"X-Api-Key": {f.key}}, nil, 200, ""},
		{"mock", f.api, "prod", "/mock", nil, nil, 200, ""},
		{"HTTP integration unreachable", f.api, "prod", "/http", nil, nil, 502, "Internal server error"},
		{"body too large", f.api, "prod", "/pets", nil, make([]byte, maxExecuteBody+1), 413, "Request Too Long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := execOn(t, f, tt.api, tt.stage, tt.path, tt.body, tt.header)
			if rec.Code != tt.status {
				t.Fatalf("HTTP %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			var out map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil && tt.message != "" {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if tt.message != "" && out["message"] != tt.message {
				t.Fatalf("message %q, want %q", out["message"], tt.message)
			}
		})
	}
	ev := decodeEvent(t, f.inv.last(t).payload)
	if ev.RequestContext.Identity.APIKey != f.key || ev.RequestContext.Identity.APIKeyID == "" {
		t.Fatalf("identity %+v lacks the API key", ev.RequestContext.Identity)
	}
}

func execOn(t *testing.T, f *fixture, api, stage, path string, body []byte, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	saved := f.api
	f.api = api
	defer func() { f.api = saved }()
	return f.exec(t, "GET", stage, path, body, header)
}

// A request template whose output is not JSON never reaches the function:
// Lambda would refuse it, and the caller gets API Gateway's 502.
func TestAWSIntegrationTemplateMustRenderJSON(t *testing.T) {
	f := newFixture(t)
	id := f.resource(t, "/raw")
	base := "/restapis/" + f.api + "/resources/" + id + "/methods/POST"
	ctl(t, f.s, "PUT", base, map[string]any{"authorizationType": "NONE"})
	ctl(t, f.s, "PUT", base+"/integration", map[string]any{"type": "AWS", "httpMethod": "POST", "uri": testLambdaURI,
		"requestTemplates": map[string]string{"application/json": `name=$input.path('$.name')`}})
	ctl(t, f.s, "POST", "/restapis/"+f.api+"/deployments", map[string]any{"stageName": "prod"})
	before := f.inv.count()
	rec := f.exec(t, "POST", "prod", "/raw", []byte(`{"name":"Rex"}`), http.Header{"Content-Type": {"application/json"}})
	if rec.Code != http.StatusBadGateway || f.inv.count() != before {
		t.Fatalf("HTTP %d %s after %d invocations, want 502 and none", rec.Code, rec.Body, f.inv.count()-before)
	}
}
