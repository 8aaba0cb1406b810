package apigateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

// testFunction is testdata/fn: an authorizer and a non-proxy integration.
const testFunction = "github.com/apidriven/api-driven/emulator/apigateway/testdata/fn"

type lambdaEnv struct {
	apigw  *apigateway.Client
	lambda *lambda.Client
	base   string
	fnARN  string
	uri    string
}

// newLambdaEnv starts an emulator with testdata/fn deployed as "fn", and
// the calls' context, which starts after the build (slow on a loaded
// machine).
func newLambdaEnv(t *testing.T) (*lambdaEnv, context.Context) {
	t.Helper()
	code := lambdatest.BuildFunction(t, testFunction)
	ctx := emulatortest.Context(t)
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	e := &lambdaEnv{apigw: apigateway.NewFromConfig(cfg), lambda: lambda.NewFromConfig(cfg), base: srv.URL()}
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	fn, err := e.lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("fn"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Role: role.Role.Arn,
		Code: &lambdatypes.FunctionCode{ZipFile: code}, Timeout: aws.Int32(10),
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	waiter := lambda.NewFunctionActiveV2Waiter(e.lambda, func(o *lambda.FunctionActiveV2WaiterOptions) { o.MinDelay = 50 * time.Millisecond })
	if err := waiter.Wait(ctx, &lambda.GetFunctionInput{FunctionName: fn.FunctionName}, time.Minute); err != nil {
		t.Fatalf("function never active: %v", err)
	}
	e.fnARN = *fn.FunctionArn
	e.uri = fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", emulatortest.Region, e.fnARN)
	return e, ctx
}

func (e *lambdaEnv) allow(t *testing.T, ctx context.Context, sid, sourceARN string) {
	t.Helper()
	in := &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: &sid, Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")}
	if sourceARN != "" {
		in.SourceArn = &sourceARN
	}
	if _, err := e.lambda.AddPermission(ctx, in); err != nil {
		t.Fatalf("AddPermission: %v", err)
	}
}

// TestLambdaNonProxy is the round trip of an AWS (non-proxy) Lambda
// integration: a request template builds the payload from the body, path,
// query string and $context; response templates reshape the answer, and a
// function error is routed by its message (selectionPattern). The function
// is invoked only once its resource policy allows this API.
func TestLambdaNonProxy(t *testing.T) {
	e, ctx := newLambdaEnv(t)
	c := e.apigw
	a := newAPI(t, ctx, c, "non-proxy")
	pets := method(t, ctx, c, a, "pets", "GET", nil)
	mockIntegration(t, ctx, c, a.id, pets, "GET")
	idRes, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &pets, PathPart: aws.String("{id}")})
	if err != nil {
		t.Fatal(err)
	}
	post := "POST"
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &post, AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &post, Type: types.IntegrationTypeAws,
		IntegrationHttpMethod: aws.String("POST"), Uri: &e.uri,
		RequestTemplates: map[string]string{"application/json": `#set($b = $input.path('$'))
{"name": "$util.escapeJavaScript($b.name)", "id": "$input.params('id')", "stage": "$context.stage", "fail": "$input.params('fail')"}`}}); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"200", "404"} {
		in := &apigateway.PutMethodResponseInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &post, StatusCode: aws.String(code)}
		if code == "404" {
			in.ResponseParameters = map[string]bool{"method.response.header.X-Error-Type": false}
		}
		if _, err := c.PutMethodResponse(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &post, StatusCode: aws.String("200"),
		ResponseTemplates: map[string]string{"application/json": `#set($r = $input.path('$.received'))
{"greeting": "hello $r.name", "id": "$r.id", "stage": "$r.stage"}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: idRes.Id, HttpMethod: &post, StatusCode: aws.String("404"),
		SelectionPattern:   aws.String(".*not found.*"),
		ResponseParameters: map[string]string{"method.response.header.X-Error-Type": "integration.response.body.errorType"},
		ResponseTemplates:  map[string]string{"application/json": `{"error": "$input.path('$.errorMessage')"}`}}); err != nil {
		t.Fatal(err)
	}
	deploy(t, ctx, c, a.id)
	url := e.base + "/_aws/execute-api/" + a.id + "/prod/pets/7"

	// No permission for apigateway.amazonaws.com yet, then one for
	// another API: AWS's 500 both times.
	if code, _, body := do(t, "POST", url, nil, `{"name":"Rex"}`); code != 500 || body != `{"message":"Internal server error"}` {
		t.Fatalf("without permission: HTTP %d %s", code, body)
	}
	e.allow(t, ctx, "other-api", "arn:aws:execute-api:us-east-1:000000000000:otherapi/*/*/*")
	if code, _, body := do(t, "POST", url, nil, `{"name":"Rex"}`); code != 500 {
		t.Fatalf("with another API's permission: HTTP %d %s", code, body)
	}
	e.allow(t, ctx, "this-api", "arn:aws:execute-api:us-east-1:000000000000:"+a.id+"/*/POST/pets/*")

	tests := []struct {
		name, query string
		status      int
		body        string
		errorType   string
	}{
		{"success", "", 200, `{"greeting": "hello Rex", "id": "7", "stage": "prod"}`, ""},
		{"error matched by selectionPattern", "?fail=Pet+7+not+found", 404, `{"error": "Pet 7 not found"}`, "errorString"},
		// As in AWS, an error no pattern matches takes the default response.
		{"error unmatched", "?fail=boom", 200, `{"greeting": "hello ", "id": "", "stage": ""}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := do(t, "POST", url+tt.query, http.Header{"Content-Type": {"application/json"}}, `{"name":"Rex"}`)
			if code != tt.status || body != tt.body || h.Get("X-Error-Type") != tt.errorType {
				t.Fatalf("HTTP %d %s (X-Error-Type %q), want %d %s", code, body, h.Get("X-Error-Type"), tt.status, tt.body)
			}
		})
	}
}

// TestLambdaAuthorizers runs TOKEN and REQUEST authorizers (testdata/fn):
// 401 without identity, 403 on Deny, the allowed principal and context
// reach the integration's templates, and answers are cached for the TTL.
func TestLambdaAuthorizers(t *testing.T) {
	e, ctx := newLambdaEnv(t)
	e.allow(t, ctx, "apigateway", "")
	c := e.apigw
	a := newAPI(t, ctx, c, "authorized")
	token, err := c.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: &a.id, Name: aws.String("token"), Type: types.AuthorizerTypeToken,
		AuthorizerUri: &e.uri, IdentitySource: aws.String("method.request.header.Authorization")})
	if err != nil {
		t.Fatalf("CreateAuthorizer: %v", err)
	}
	request, err := c.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: &a.id, Name: aws.String("request"), Type: types.AuthorizerTypeRequest,
		AuthorizerUri: &e.uri, IdentitySource: aws.String("method.request.querystring.auth"), AuthorizerResultTtlInSeconds: aws.Int32(0)})
	if err != nil {
		t.Fatalf("CreateAuthorizer: %v", err)
	}
	get := "GET"
	secure := method(t, ctx, c, a, "secure", get, &apigateway.PutMethodInput{AuthorizationType: aws.String("CUSTOM"), AuthorizerId: token.Id})
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &secure, HttpMethod: &get, Type: types.IntegrationTypeAws,
		IntegrationHttpMethod: aws.String("POST"), Uri: &e.uri,
		RequestTemplates: map[string]string{"application/json": `{"principal": "$context.authorizer.principalId", "tier": "$context.authorizer.tier", "nonce": "$context.authorizer.nonce"}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: &a.id, ResourceId: &secure, HttpMethod: &get, StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: &secure, HttpMethod: &get, StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	byQuery := method(t, ctx, c, a, "byquery", get, &apigateway.PutMethodInput{AuthorizationType: aws.String("CUSTOM"), AuthorizerId: request.Id})
	mockIntegration(t, ctx, c, a.id, byQuery, get)
	deploy(t, ctx, c, a.id)
	url := e.base + "/_aws/execute-api/" + a.id + "/prod/"

	received := func(body string) map[string]string {
		var out struct {
			Received map[string]string `json:"received"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		return out.Received
	}
	tests := []struct {
		name, path string
		header     http.Header
		status     int
		body       string
	}{
		{"token missing", "secure", nil, 401, `{"message":"Unauthorized"}`},
		{"token denied", "secure", http.Header{"Authorization": {"deny"}}, 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`},
		{"token rejected by the function", "secure", http.Header{"Authorization": {"who"}}, 401, `{"message":"Unauthorized"}`},
		{"request allowed", "byquery?auth=allow", nil, 200, `{}`},
		{"request denied", "byquery?auth=deny", nil, 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`},
		// Without caching the identity source may be absent: the function decides.
		{"request without identity", "byquery", nil, 401, `{"message":"Unauthorized"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, body := do(t, "GET", url+tt.path, tt.header, ""); code != tt.status || body != tt.body {
				t.Fatalf("HTTP %d %s, want %d %s", code, body, tt.status, tt.body)
			}
		})
	}
	code, _, body := do(t, "GET", url+"secure", http.Header{"Authorization": {"allow"}}, "")
	if code != 200 {
		t.Fatalf("token allowed: HTTP %d %s", code, body)
	}
	first := received(body)
	if first["principal"] != "user-allow" || first["tier"] != "gold" || first["nonce"] == "" {
		t.Fatalf("the integration saw %v", first)
	}
	// Cached for the default 300 s TTL: the same answer, not a new call.
	if _, _, body := do(t, "GET", url+"secure", http.Header{"Authorization": {"allow"}}, ""); received(body)["nonce"] != first["nonce"] {
		t.Fatalf("the authorizer ran again within its TTL: %s", body)
	}

	// Control plane: list, update, and refuse to delete while in use.
	list, err := c.GetAuthorizers(ctx, &apigateway.GetAuthorizersInput{RestApiId: &a.id})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("GetAuthorizers: %v %+v", err, list)
	}
	up, err := c.UpdateAuthorizer(ctx, &apigateway.UpdateAuthorizerInput{RestApiId: &a.id, AuthorizerId: token.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/authorizerResultTtlInSeconds"), Value: aws.String("60")},
		{Op: types.OpReplace, Path: aws.String("/identityValidationExpression"), Value: aws.String("allow|deny")},
	}})
	if err != nil || aws.ToInt32(up.AuthorizerResultTtlInSeconds) != 60 || aws.ToString(up.IdentityValidationExpression) != "allow|deny" {
		t.Fatalf("UpdateAuthorizer: %v %+v", err, up)
	}
	_, err = c.DeleteAuthorizer(ctx, &apigateway.DeleteAuthorizerInput{RestApiId: &a.id, AuthorizerId: token.Id})
	wantAPIError(t, err, "ConflictException", 409, "is referenced in method")
}
