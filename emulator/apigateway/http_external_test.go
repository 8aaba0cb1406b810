package apigateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// seen is what the backend received.
type seen struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// TestHTTPIntegrations forwards calls to a real backend: HTTP_PROXY with a
// greedy {proxy} path and a header mapping, HTTP with parameter mappings
// and response templates, and AWS's 504 on timeout.
func TestHTTPIntegrations(t *testing.T) {
	got := make(chan seen, 10)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(body), r.Header}
		switch {
		case strings.HasPrefix(r.URL.Path, "/slow"):
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		case strings.HasPrefix(r.URL.Path, "/items/missing"):
			w.Header().Set("X-Backend", "v1")
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":"no such item"}`))
		default:
			w.Header().Set("X-Backend", "v1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			_, _ = w.Write([]byte(`{"ok":true,"n":[1,2]}`))
		}
	}))
	t.Cleanup(backend.Close)

	c, base := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "http")
	anyVerb, get := "ANY", "GET"

	// HTTP_PROXY on /proxy/{proxy+}.
	proxyParent := method(t, ctx, c, a, "proxy", get, nil)
	mockIntegration(t, ctx, c, a.id, proxyParent, get)
	greedy, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &proxyParent, PathPart: aws.String("{proxy+}")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: greedy.Id, HttpMethod: &anyVerb, AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: greedy.Id, HttpMethod: &anyVerb, Type: types.IntegrationTypeHttpProxy,
		IntegrationHttpMethod: &anyVerb, Uri: aws.String(backend.URL + "/base/{proxy}"),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy", "integration.request.header.X-Stage": "context.stage"}}); err != nil {
		t.Fatal(err)
	}

	// HTTP on /items/{id}, with mappings and templates.
	items := method(t, ctx, c, a, "things", get, nil)
	mockIntegration(t, ctx, c, a.id, items, get)
	idRes, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &items, PathPart: aws.String("{id}")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &get, AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &get, Type: types.IntegrationTypeHttp,
		IntegrationHttpMethod: &get, Uri: aws.String(backend.URL + "/items/{id}"),
		RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id", "integration.request.querystring.q": "method.request.header.X-Q",
			"integration.request.header.X-Static": "'fixed'"}}); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"200", "404"} {
		if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &get, StatusCode: aws.String(code),
			ResponseParameters: map[string]bool{"method.response.header.X-Backend": false}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &get, StatusCode: aws.String("200"),
		ResponseParameters: map[string]string{"method.response.header.X-Backend": "integration.response.header.X-Backend"},
		ResponseTemplates:  map[string]string{"application/json": `{"wrapped": $input.json('$'), "second": $input.path('$.n[1]')}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &get, StatusCode: aws.String("404"),
		SelectionPattern: aws.String("404")}); err != nil {
		t.Fatal(err)
	}

	// A slow backend with a 100 ms integration timeout.
	slow := method(t, ctx, c, a, "slow", get, nil)
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &slow, HttpMethod: &get, Type: types.IntegrationTypeHttpProxy,
		IntegrationHttpMethod: &get, Uri: aws.String(backend.URL + "/slow"), TimeoutInMillis: aws.Int32(100)}); err != nil {
		t.Fatal(err)
	}
	deploy(t, ctx, c, a.id)
	url := base + "/_aws/execute-api/" + a.id + "/prod/"

	code, h, body := do(t, "POST", url+"proxy/a/b%20c?x=1&x=2", http.Header{"X-Custom": {"yes"}}, `payload`)
	s := <-got
	if code != 201 || body != `{"ok":true,"n":[1,2]}` || h.Get("X-Backend") != "v1" {
		t.Fatalf("HTTP_PROXY: HTTP %d %v %s", code, h, body)
	}
	if s.Method != "POST" || s.Path != "/base/a/b%20c" || s.Query != "x=1&x=2" || s.Body != "payload" ||
		s.Header.Get("X-Custom") != "yes" || s.Header.Get("X-Stage") != "prod" || s.Header.Get("X-Amzn-Apigateway-Api-Id") != a.id {
		t.Fatalf("HTTP_PROXY: the backend saw %+v", s)
	}

	code, h, body = do(t, "GET", url+"things/42", http.Header{"X-Q": {"search"}, "X-Custom": {"dropped"}}, "")
	s = <-got
	if code != 200 || h.Get("X-Backend") != "v1" || body != `{"wrapped": {"ok":true,"n":[1,2]}, "second": 2}` {
		t.Fatalf("HTTP: HTTP %d %v %s", code, h, body)
	}
	if s.Path != "/items/42" || s.Query != "q=search" || s.Header.Get("X-Static") != "fixed" || s.Header.Get("X-Custom") != "" {
		t.Fatalf("HTTP: the backend saw %+v", s)
	}
	code, h, body = do(t, "GET", url+"things/missing", nil, "")
	<-got
	if code != 404 || body != `{"error":"no such item"}` || h.Get("X-Backend") != "" {
		t.Fatalf("HTTP 404: HTTP %d %v %s", code, h, body)
	}

	code, _, body = do(t, "GET", url+"slow", nil, "")
	<-got
	if code != 504 || body != `{"message":"Endpoint request timed out"}` {
		t.Fatalf("timeout: HTTP %d %s", code, body)
	}
}

// TestUsagePlanLimits applies a usage plan's quota and throttle to the
// calls made with its key, through the SDK and net/http.
func TestUsagePlanLimits(t *testing.T) {
	c, base := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "limited")
	get := "GET"
	limited := method(t, ctx, c, a, "limited", get, &apigateway.PutMethodInput{AuthorizationType: aws.String("NONE"), ApiKeyRequired: true})
	mockIntegration(t, ctx, c, a.id, limited, get)
	deploy(t, ctx, c, a.id)
	key, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("k"), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("p"),
		ApiStages: []types.ApiStage{{ApiId: &a.id, Stage: aws.String("prod")}},
		Quota:     &types.QuotaSettings{Limit: 2, Period: types.QuotaPeriodTypeDay}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")}); err != nil {
		t.Fatal(err)
	}
	url := base + "/_aws/execute-api/" + a.id + "/prod/limited"
	withKey := http.Header{"X-Api-Key": {*key.Value}}
	for i, want := range []int{200, 200, 429} {
		code, h, body := do(t, "GET", url, withKey, "")
		if code != want {
			t.Fatalf("call %d: HTTP %d %s, want %d", i+1, code, body, want)
		}
		if code == 429 && (body != `{"message":"Limit Exceeded"}` || h.Get("x-amzn-ErrorType") != "LimitExceededException") {
			t.Fatalf("quota: %s %v", body, h)
		}
	}

	// A throttle of one request with a near-zero refill: the second is 429.
	up, err := c.UpdateUsagePlan(ctx, &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpRemove, Path: aws.String("/quota")},
		{Op: types.OpReplace, Path: aws.String("/throttle/rateLimit"), Value: aws.String("0.001")},
		{Op: types.OpReplace, Path: aws.String("/throttle/burstLimit"), Value: aws.String("1")},
	}})
	if err != nil || up.Quota != nil || up.Throttle == nil || aws.ToInt32(&up.Throttle.BurstLimit) != 1 {
		t.Fatalf("UpdateUsagePlan: %v %+v", err, up)
	}
	if code, _, body := do(t, "GET", url, withKey, ""); code != 200 {
		t.Fatalf("first throttled call: HTTP %d %s", code, body)
	}
	code, h, body := do(t, "GET", url, withKey, "")
	if code != 429 || body != `{"message":"Too Many Requests"}` || h.Get("x-amzn-ErrorType") != "TooManyRequestsException" {
		t.Fatalf("throttle: HTTP %d %s %v", code, body, h)
	}

	_, err = c.UpdateUsagePlan(ctx, &apigateway.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/quota/period"), Value: aws.String("YEAR")}}})
	wantAPIError(t, err, "BadRequestException", 400, "Invalid quota period")
}
