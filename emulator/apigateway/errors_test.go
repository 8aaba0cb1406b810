package apigateway_test

import (
	"context"
	"encoding/json"
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

// TestErrorCodes drives each action into its errors through the SDK and
// checks the code, HTTP status and message the SDK decodes.
func TestErrorCodes(t *testing.T) {
	c, _ := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "errors")
	empty, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("empty")})
	if err != nil {
		t.Fatal(err)
	}
	noInteg, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("no-integration")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: noInteg.Id, ResourceId: noInteg.RootResourceId, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	proxy, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: aws.String("{proxy+}")})
	if err != nil {
		t.Fatal(err)
	}
	dep, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("k"), Value: aws.String("a-fixed-key-value-of-some-length")})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")}); err != nil {
		t.Fatal(err)
	}
	get := aws.String("GET")
	tests := []struct {
		name   string
		call   func(context.Context) error
		code   string
		status int
		msg    string
	}{
		{"GetRestApi unknown", func(ctx context.Context) error {
			_, err := c.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: aws.String("nope")})
			return err
		}, "NotFoundException", 404, "Invalid API identifier specified 000000000000:nope"},
		{"GetRestApis bad limit", func(ctx context.Context) error {
			_, err := c.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(0)})
			return err
		}, "BadRequestException", 400, "limit"},
		{"UpdateRestApi unsupported path", func(ctx context.Context) error {
			_, err := c.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: &a.id, PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/nonsense"), Value: aws.String("x")}}})
			return err
		}, "BadRequestException", 400, "Invalid patch path"},
		{"CreateResource duplicate", func(ctx context.Context) error {
			_, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: aws.String("items")})
			return err
		}, "ConflictException", 409, "Another resource with the same parent already has this name: items"},
		{"CreateResource bad path part", func(ctx context.Context) error {
			_, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: aws.String("a b")})
			return err
		}, "BadRequestException", 400, "path part"},
		{"CreateResource second variable sibling", func(ctx context.Context) error {
			_, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: aws.String("{id}")})
			return err
		}, "BadRequestException", 400, "only one is allowed"},
		{"CreateResource under greedy", func(ctx context.Context) error {
			_, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: proxy.Id, PathPart: aws.String("x")})
			return err
		}, "BadRequestException", 400, "greedy"},
		{"CreateResource unknown parent", func(ctx context.Context) error {
			_, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: aws.String("zzzzzz"), PathPart: aws.String("x")})
			return err
		}, "NotFoundException", 404, "Invalid Resource identifier"},
		{"DeleteResource root", func(ctx context.Context) error {
			_, err := c.DeleteResource(ctx, &apigateway.DeleteResourceInput{RestApiId: &a.id, ResourceId: &a.root})
			return err
		}, "BadRequestException", 400, "root"},
		{"PutMethod bad verb", func(ctx context.Context) error {
			_, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: &a.root, HttpMethod: aws.String("FETCH"), AuthorizationType: aws.String("NONE")})
			return err
		}, "BadRequestException", 400, "Invalid HttpMethod"},
		{"PutMethod bad authorization", func(ctx context.Context) error {
			_, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: &a.root, HttpMethod: get, AuthorizationType: aws.String("MAGIC")})
			return err
		}, "BadRequestException", 400, "authorization type"},
		{"PutMethod existing", func(ctx context.Context) error {
			_, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: get, AuthorizationType: aws.String("NONE")})
			return err
		}, "ConflictException", 409, "Method already exists"},
		{"GetMethod missing", func(ctx context.Context) error {
			_, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: aws.String("POST")})
			return err
		}, "NotFoundException", 404, "Invalid Method identifier"},
		{"PutIntegration on missing method", func(ctx context.Context) error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: aws.String("POST"), Type: types.IntegrationTypeMock})
			return err
		}, "NotFoundException", 404, "Invalid Method identifier"},
		{"PutIntegration bad type", func(ctx context.Context) error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: get, Type: "LAMBDA"})
			return err
		}, "BadRequestException", 400, "integration type"},
		{"PutIntegration AWS_PROXY bad uri", func(ctx context.Context) error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: get, Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f")})
			return err
		}, "BadRequestException", 400, "Invalid Lambda function URI"},
		{"PutIntegration AWS_PROXY without integration method", func(ctx context.Context) error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: get, Type: types.IntegrationTypeAwsProxy, Uri: aws.String(lambdaURI)})
			return err
		}, "BadRequestException", 400, "HttpMethod must be non-empty"},
		{"GetIntegration missing", func(ctx context.Context) error {
			_, err := c.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: &a.id, ResourceId: proxy.Id, HttpMethod: get})
			return err
		}, "NotFoundException", 404, "Invalid Method identifier"},
		{"PutIntegrationResponse without method response", func(ctx context.Context) error {
			_, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: get, StatusCode: aws.String("404")})
			return err
		}, "NotFoundException", 404, "Invalid Response status code"},
		{"CreateDeployment no methods", func(ctx context.Context) error {
			_, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: empty.Id, StageName: aws.String("prod")})
			return err
		}, "BadRequestException", 400, "The REST API doesn't contain any methods"},
		{"CreateDeployment method without integration", func(ctx context.Context) error {
			_, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: noInteg.Id})
			return err
		}, "BadRequestException", 400, "No integration defined for method"},
		{"CreateDeployment bad stage name", func(ctx context.Context) error {
			_, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("pro d")})
			return err
		}, "BadRequestException", 400, "Stage name"},
		{"GetDeployment missing", func(ctx context.Context) error {
			_, err := c.GetDeployment(ctx, &apigateway.GetDeploymentInput{RestApiId: &a.id, DeploymentId: aws.String("zzzzzz")})
			return err
		}, "NotFoundException", 404, "Invalid Deployment identifier"},
		{"DeleteDeployment in use", func(ctx context.Context) error {
			_, err := c.DeleteDeployment(ctx, &apigateway.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: dep.Id})
			return err
		}, "BadRequestException", 400, "Active stages"},
		{"CreateStage existing", func(ctx context.Context) error {
			_, err := c.CreateStage(ctx, &apigateway.CreateStageInput{RestApiId: &a.id, StageName: aws.String("prod"), DeploymentId: dep.Id})
			return err
		}, "ConflictException", 409, "Stage already exists"},
		{"CreateStage unknown deployment", func(ctx context.Context) error {
			_, err := c.CreateStage(ctx, &apigateway.CreateStageInput{RestApiId: &a.id, StageName: aws.String("beta"), DeploymentId: aws.String("zzzzzz")})
			return err
		}, "NotFoundException", 404, "Invalid Deployment identifier"},
		{"UpdateStage unknown deployment", func(ctx context.Context) error {
			_, err := c.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: &a.id, StageName: aws.String("prod"), PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/deploymentId"), Value: aws.String("zzzzzz")}}})
			return err
		}, "BadRequestException", 400, "deployment identifier"},
		{"DeleteStage missing", func(ctx context.Context) error {
			_, err := c.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: &a.id, StageName: aws.String("beta")})
			return err
		}, "NotFoundException", 404, "Invalid Stage identifier"},
		{"CreateApiKey short value", func(ctx context.Context) error {
			_, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Value: aws.String("short")})
			return err
		}, "BadRequestException", 400, "at least 20 characters"},
		{"CreateApiKey duplicate value", func(ctx context.Context) error {
			_, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Value: key.Value})
			return err
		}, "ConflictException", 409, "API Key already exists"},
		{"DeleteApiKey missing", func(ctx context.Context) error {
			_, err := c.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: aws.String("nope")})
			return err
		}, "NotFoundException", 404, "Invalid API Key identifier"},
		{"CreateUsagePlan unknown stage", func(ctx context.Context) error {
			_, err := c.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("x"), ApiStages: []types.ApiStage{{ApiId: &a.id, Stage: aws.String("beta")}}})
			return err
		}, "BadRequestException", 400, "Invalid API Stage"},
		{"GetUsagePlan missing", func(ctx context.Context) error {
			_, err := c.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: aws.String("nope")})
			return err
		}, "NotFoundException", 404, "Invalid Usage Plan ID"},
		{"CreateUsagePlanKey duplicate", func(ctx context.Context) error {
			_, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
			return err
		}, "ConflictException", 409, "already contains"},
		{"CreateUsagePlanKey unknown key", func(ctx context.Context) error {
			_, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: aws.String("nope"), KeyType: aws.String("API_KEY")})
			return err
		}, "NotFoundException", 404, "Invalid API Key identifier"},
		{"CreateUsagePlanKey bad type", func(ctx context.Context) error {
			_, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("CERT")})
			return err
		}, "BadRequestException", 400, "API_KEY"},
		{"DeleteUsagePlanKey missing", func(ctx context.Context) error {
			_, err := c.DeleteUsagePlanKey(ctx, &apigateway.DeleteUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: aws.String("nope")})
			return err
		}, "NotFoundException", 404, "Invalid Usage Plan Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(ctx), tt.code, tt.status, tt.msg)
		})
	}
}

// TestRawRequests covers what the SDK will not send: missing required
// fields, malformed JSON, unknown fields, unknown operations.
func TestRawRequests(t *testing.T) {
	_, url := client(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		errType, msg             string
	}{
		{"name required", "POST", "/restapis", `{}`, 400, "BadRequestException", "name"},
		{"malformed JSON", "POST", "/restapis", `{"name":`, 400, "BadRequestException", "not valid JSON"},
		{"wrong type", "POST", "/restapis", `{"name":5}`, 400, "BadRequestException", "wrong type"},
		{"unknown fields tolerated", "POST", "/restapis", `{"name":"x","fancyNewField":{"a":1}}`, 201, "", ""},
		{"unknown operation", "GET", "/restapis/abc/widgets", ``, 404, "NotFoundException", "no API Gateway operation"},
		{"usage plan name required", "POST", "/usageplans", `{}`, 400, "BadRequestException", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, url+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.errType {
				t.Fatalf("HTTP %d %q %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), data)
			}
			var out map[string]any
			if err := json.Unmarshal(data, &out); err != nil {
				t.Fatalf("body %q: %v", data, err)
			}
			if msg, _ := out["message"].(string); !strings.Contains(msg, tt.msg) {
				t.Fatalf("message %q, want it to contain %q", msg, tt.msg)
			}
		})
	}
}
