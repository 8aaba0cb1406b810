package apigateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// authFixture adds GET /guarded (CUSTOM, AWS_PROXY) guarded by a TOKEN
// authorizer with the given TTL; the fake function answers authorizer
// events with reply and proxy events with 200.
func authFixture(t *testing.T, ttl int, reply string) *fixture {
	t.Helper()
	f := newFixture(t)
	au := ctl(t, f.s, "POST", "/restapis/"+f.api+"/authorizers", map[string]any{"name": "a", "type": "TOKEN", "authorizerUri": testLambdaURI,
		"identitySource": "method.request.header.Authorization", "authorizerResultTtlInSeconds": ttl})
	base := "/restapis/" + f.api + "/resources/" + f.resource(t, "/guarded") + "/methods/GET"
	ctl(t, f.s, "PUT", base, map[string]any{"authorizationType": "CUSTOM", "authorizerId": au["id"]})
	ctl(t, f.s, "PUT", base+"/integration", map[string]any{"type": "AWS_PROXY", "httpMethod": "POST", "uri": testLambdaURI})
	ctl(t, f.s, "POST", "/restapis/"+f.api+"/deployments", map[string]any{"stageName": "prod"})
	f.inv.reply = func(payload []byte) ([]byte, string) {
		if strings.Contains(string(payload), `"type":"TOKEN"`) {
			return []byte(reply), ""
		}
		return []byte(`{"statusCode":200,"body":"ok"}`), ""
	}
	return f
}

const allowAll = `{"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":{"Action":"execute-api:*","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:*/prod/GET/*"}},"context":{"n":1,"b":true,"s":"x"}}`

func TestAuthorizerContextReachesProxyEvents(t *testing.T) {
	f := authFixture(t, 300, allowAll)
	rec := f.exec(t, "GET", "prod", "/guarded", nil, http.Header{"Authorization": {"tok"}})
	if rec.Code != 200 {
		t.Fatalf("HTTP %d %s", rec.Code, rec.Body)
	}
	var ev struct {
		RequestContext struct {
			Authorizer map[string]any `json:"authorizer"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(f.inv.last(t).payload, &ev); err != nil {
		t.Fatal(err)
	}
	a := ev.RequestContext.Authorizer
	if a["principalId"] != "u1" || a["n"] != "1" || a["b"] != "true" || a["s"] != "x" || a["integrationLatency"] == nil {
		t.Fatalf("requestContext.authorizer = %v", a)
	}
	// Cached: a second call with the same token invokes only the function.
	before := f.inv.count()
	f.exec(t, "GET", "prod", "/guarded", nil, http.Header{"Authorization": {"tok"}})
	if f.inv.count() != before+1 {
		t.Fatalf("%d invocations for a cached call, want 1", f.inv.count()-before)
	}
	// Another token is another cache entry.
	f.exec(t, "GET", "prod", "/guarded", nil, http.Header{"Authorization": {"other"}})
	if f.inv.count() != before+3 {
		t.Fatalf("%d invocations, want 3", f.inv.count()-before)
	}
}

func TestAuthorizerWithoutCacheRunsEachTime(t *testing.T) {
	f := authFixture(t, 0, allowAll)
	before := f.inv.count()
	for range 2 {
		f.exec(t, "GET", "prod", "/guarded", nil, http.Header{"Authorization": {"tok"}})
	}
	if got := f.inv.count() - before; got != 4 {
		t.Fatalf("%d invocations for two calls without caching, want 4", got)
	}
}

func TestAuthorizerAnswers(t *testing.T) {
	tests := []struct {
		name, reply string
		status      int
		body        string
	}{
		{"allow", allowAll, 200, "ok"},
		{"no matching allow", `{"principalId":"u","policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:*/prod/POST/*"}]}}`,
			403, `{"Message":"User is not authorized to access this resource"}`},
		{"deny wins", `{"principalId":"u","policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":["arn:aws:execute-api:*:*:*/*/GET/guarded"]}]}}`,
			403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`},
		{"no policy", `{"principalId":"u"}`, 500, `{"message":null}`},
		{"object in context", `{"principalId":"u","policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}]},"context":{"o":{}}}`, 500, `{"message":null}`},
		{"not JSON", `nope`, 500, `{"message":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := authFixture(t, 300, tt.reply)
			rec := f.exec(t, "GET", "prod", "/guarded", nil, http.Header{"Authorization": {"tok"}})
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Fatalf("HTTP %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
}

func TestAuthorizerValidation(t *testing.T) {
	f := newFixture(t)
	path := "/restapis/" + f.api + "/authorizers"
	for name, in := range map[string]map[string]any{
		"bad type":         {"name": "a", "type": "OAUTH", "authorizerUri": testLambdaURI, "identitySource": "method.request.header.Authorization"},
		"bad uri":          {"name": "a", "type": "TOKEN", "authorizerUri": "arn:aws:lambda:x", "identitySource": "method.request.header.Authorization"},
		"token from query": {"name": "a", "type": "TOKEN", "authorizerUri": testLambdaURI, "identitySource": "method.request.querystring.t"},
		"cache without id": {"name": "a", "type": "REQUEST", "authorizerUri": testLambdaURI},
		"bad identity":     {"name": "a", "type": "REQUEST", "authorizerUri": testLambdaURI, "identitySource": "header.X"},
		"bad regexp":       {"name": "a", "type": "TOKEN", "authorizerUri": testLambdaURI, "identitySource": "method.request.header.A", "identityValidationExpression": "("},
		"ttl too long":     {"name": "a", "type": "TOKEN", "authorizerUri": testLambdaURI, "identitySource": "method.request.header.A", "authorizerResultTtlInSeconds": 3601},
		"cognito no pools": {"name": "a", "type": "COGNITO_USER_POOLS", "identitySource": "method.request.header.A"},
		"missing name":     {"type": "TOKEN", "authorizerUri": testLambdaURI, "identitySource": "method.request.header.A"},
	} {
		if code, out := ctlRaw(t, f.s, "POST", path, in); code != 400 || out["__type"] == nil && out["message"] == nil {
			t.Errorf("%s: HTTP %d %v, want 400", name, code, out)
		}
	}
	if code, _ := ctlRaw(t, f.s, "GET", path+"/nope", nil); code != 404 {
		t.Errorf("GetAuthorizer unknown: HTTP %d", code)
	}
	base := "/restapis/" + f.api + "/resources/" + f.resource(t, "/x") + "/methods/GET"
	if code, _ := ctlRaw(t, f.s, "PUT", base, map[string]any{"authorizationType": "CUSTOM", "authorizerId": "nope"}); code != 400 {
		t.Errorf("PutMethod with an unknown authorizer: HTTP %d", code)
	}
}
