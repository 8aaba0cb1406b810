package apigateway_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// do sends one request through a real HTTP client.
func do(t *testing.T, method, url string, header http.Header, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(data))
}

// method creates verb on a new resource path part under the root.
func method(t *testing.T, ctx context.Context, c *apigateway.Client, a apiFixture, part, verb string, in *apigateway.PutMethodInput) string {
	t.Helper()
	res, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: &part})
	if err != nil {
		t.Fatalf("CreateResource %s: %v", part, err)
	}
	if in == nil {
		in = &apigateway.PutMethodInput{AuthorizationType: aws.String("NONE")}
	}
	in.RestApiId, in.ResourceId, in.HttpMethod = &a.id, res.Id, &verb
	if _, err := c.PutMethod(ctx, in); err != nil {
		t.Fatalf("PutMethod: %v", err)
	}
	return *res.Id
}

func deploy(t *testing.T, ctx context.Context, c *apigateway.Client, api string) {
	t.Helper()
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &api, StageName: aws.String("prod")}); err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
}

// TestCORSPreflight builds the standard CORS recipe (OPTIONS, MOCK with
// {"statusCode": 200}, header mappings) and sends a browser-like
// pre-flight through a real HTTP client.
func TestCORSPreflight(t *testing.T) {
	c, base := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "cors")
	verb := "OPTIONS"
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: &verb, AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: &verb, Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
	allow := map[string]string{
		"method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
		"method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
		"method.response.header.Access-Control-Allow-Origin":  "'*'",
	}
	declared := map[string]bool{}
	for k := range allow {
		declared[k] = false
	}
	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: &verb, StatusCode: aws.String("200"),
		ResponseParameters: declared, ResponseModels: map[string]string{"application/json": "Empty"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: &verb, StatusCode: aws.String("200"),
		ResponseParameters: allow, ResponseTemplates: map[string]string{"application/json": ""}}); err != nil {
		t.Fatal(err)
	}
	deploy(t, ctx, c, a.id)

	code, h, body := do(t, "OPTIONS", base+"/_aws/execute-api/"+a.id+"/prod/items",
		http.Header{"Origin": {"http://localhost:3000"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"content-type"}}, "")
	if code != 200 || body != "" {
		t.Fatalf("pre-flight: HTTP %d %q", code, body)
	}
	for name, want := range map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "GET,OPTIONS",
		"Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token",
		"Content-Type":                 "application/json",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// The GET itself still answers from its own MOCK.
	if code, _, body := do(t, "GET", base+"/_aws/execute-api/"+a.id+"/prod/items", nil, ""); code != 200 || body != "{}" {
		t.Fatalf("GET: HTTP %d %s", code, body)
	}
}

// TestMockStatusSelection follows AWS's mock tutorial: the request template
// picks 200 or 500 from a query parameter; the 5\d{2} integration response
// maps 500 with its own template and header.
func TestMockStatusSelection(t *testing.T) {
	c, base := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "mock-select")
	id := method(t, ctx, c, a, "scoped", "GET", nil)
	get := "GET"
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &id, HttpMethod: &get, Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{ #if( $input.params('scope') == "internal" ) "statusCode": 200 #else "statusCode": 500 #end }`}}); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"200", "500"} {
		in := &apigateway.PutMethodResponseInput{RestApiId: &a.id, ResourceId: &id, HttpMethod: &get, StatusCode: aws.String(code)}
		if code == "500" {
			in.ResponseParameters = map[string]bool{"method.response.header.X-Reason": false}
		}
		if _, err := c.PutMethodResponse(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: &id, HttpMethod: &get, StatusCode: aws.String("200"),
		ResponseTemplates: map[string]string{"application/json": `{"statusCode": 200, "message": "Go ahead without me", "id": "$context.requestId"}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: &id, HttpMethod: &get, StatusCode: aws.String("500"),
		SelectionPattern:   aws.String(`5\d{2}`),
		ResponseParameters: map[string]string{"method.response.header.X-Reason": "'not internal'"},
		ResponseTemplates:  map[string]string{"application/json": `{"statusCode": 500, "message": "The invoked method is not supported on the API resource."}`}}); err != nil {
		t.Fatal(err)
	}
	deploy(t, ctx, c, a.id)
	url := base + "/_aws/execute-api/" + a.id + "/prod/scoped"

	code, h, body := do(t, "GET", url+"?scope=internal", nil, "")
	if code != 200 || !strings.Contains(body, `"message": "Go ahead without me"`) || !strings.Contains(body, `"id": "`+h.Get("x-amzn-RequestId")+`"`) {
		t.Fatalf("internal: HTTP %d %s (request id %s)", code, body, h.Get("x-amzn-RequestId"))
	}
	code, h, body = do(t, "GET", url+"?scope=public", nil, "")
	if code != 500 || h.Get("X-Reason") != "not internal" || !strings.Contains(body, "not supported") {
		t.Fatalf("public: HTTP %d %v %s", code, h, body)
	}

	// TestInvokeMethod runs the same method without a deployment.
	out, err := c.TestInvokeMethod(ctx, &apigateway.TestInvokeMethodInput{RestApiId: &a.id, ResourceId: &id, HttpMethod: &get, PathWithQueryString: aws.String("/scoped?scope=public")})
	if err != nil {
		t.Fatalf("TestInvokeMethod: %v", err)
	}
	if out.Status != 500 || out.Headers["X-Reason"] != "not internal" || !strings.Contains(aws.ToString(out.Body), "not supported") ||
		!strings.Contains(aws.ToString(out.Log), "Method completed with status: 500") {
		t.Fatalf("TestInvokeMethod: %d %v %q %q", out.Status, out.Headers, aws.ToString(out.Body), aws.ToString(out.Log))
	}
	_, err = c.TestInvokeMethod(ctx, &apigateway.TestInvokeMethodInput{RestApiId: &a.id, ResourceId: &id, HttpMethod: aws.String("POST")})
	wantAPIError(t, err, "NotFoundException", 404, "Invalid Method identifier")

	// A MOCK without a status in its template is AWS's configuration error.
	bare := method(t, ctx, c, a, "bare", "GET", nil)
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &bare, HttpMethod: &get, Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	deploy(t, ctx, c, a.id)
	if code, _, body := do(t, "GET", base+"/_aws/execute-api/"+a.id+"/prod/bare", nil, ""); code != 500 || body != `{"message":"Internal server error"}` {
		t.Fatalf("bare MOCK: HTTP %d %s", code, body)
	}
	// Passthrough NEVER refuses a body type without a template.
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &bare, HttpMethod: &get, Type: types.IntegrationTypeMock,
		PassthroughBehavior: aws.String("NEVER"), RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
	deploy(t, ctx, c, a.id)
	if code, _, body := do(t, "GET", base+"/_aws/execute-api/"+a.id+"/prod/bare", http.Header{"Content-Type": {"text/plain"}}, "hi"); code != 415 || body != `{"message":"Unsupported Media Type"}` {
		t.Fatalf("NEVER passthrough: HTTP %d %s", code, body)
	}
}
