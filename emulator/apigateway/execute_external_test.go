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

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// urlForm builds an execute URL and Host header for one LocalStack form.
type urlForm struct {
	name string
	url  func(base, api, stage, path string) (url, host string)
}

var urlForms = []urlForm{
	{"_user_request_", func(base, api, stage, path string) (string, string) {
		return base + "/restapis/" + api + "/" + stage + "/_user_request_" + path, ""
	}},
	{"_aws/execute-api", func(base, api, stage, path string) (string, string) {
		return base + "/_aws/execute-api/" + api + "/" + stage + path, ""
	}},
	{"execute-api host", func(base, api, stage, path string) (string, string) {
		_, port, _ := strings.Cut(strings.TrimPrefix(base, "http://"), ":")
		return base + "/" + stage + path, api + ".execute-api.localhost.localstack.cloud:" + port
	}},
}

func call(t *testing.T, method, url, host string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(body))
}

// TestExecuteThroughRouter reaches the executor via the real router in all
// three URL forms. The Lambda side is not needed: an integration with a
// function that does not exist must give 502.
func TestExecuteThroughRouter(t *testing.T) {
	c, base := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "exec")
	fn, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: aws.String("fn")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: fn.Id, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: fn.Id, HttpMethod: aws.String("ANY"), Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI)}); err != nil {
		t.Fatal(err)
	}
	secret, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: aws.String("secret")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &a.id, ResourceId: secret.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE"), ApiKeyRequired: true}); err != nil {
		t.Fatal(err)
	}
	mockIntegration(t, ctx, c, a.id, *secret.Id, "GET")
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	key := keyFor(t, ctx, c, a.id, "prod")

	tests := []struct {
		name, method, stage, path string
		header                    http.Header
		status                    int
		body                      string
	}{
		{"mock", "GET", "prod", "/items", nil, 200, `{}`},
		{"missing function", "POST", "prod", "/fn", nil, 502, `{"message":"Internal server error"}`},
		{"missing route", "GET", "prod", "/nowhere", nil, 403, `{"message":"Missing Authentication Token"}`},
		{"missing method", "DELETE", "prod", "/items", nil, 403, `{"message":"Missing Authentication Token"}`},
		{"missing stage", "GET", "beta", "/items", nil, 404, `{"message":"Not Found"}`},
		{"api key missing", "GET", "prod", "/secret", nil, 403, `{"message":"Forbidden"}`},
		{"api key valid", "GET", "prod", "/secret", http.Header{"X-Api-Key": {key}}, 200, `{}`},
	}
	for _, form := range urlForms {
		for _, tt := range tests {
			t.Run(form.name+"/"+tt.name, func(t *testing.T) {
				url, host := form.url(base, a.id, tt.stage, tt.path)
				code, h, body := call(t, tt.method, url, host, tt.header)
				if code != tt.status || body != tt.body {
					t.Fatalf("HTTP %d %s, want %d %s", code, body, tt.status, tt.body)
				}
				if h.Get("x-amzn-RequestId") == "" || h.Get("Content-Type") != "application/json" {
					t.Fatalf("headers %v", h)
				}
			})
		}
	}
	t.Run("unknown api", func(t *testing.T) {
		if code, _, body := call(t, "GET", base+"/_aws/execute-api/nope/prod/items", "", nil); code != 404 {
			t.Fatalf("HTTP %d %s", code, body)
		}
	})
}

// keyFor creates an enabled API key in a usage plan for api's stage.
func keyFor(t *testing.T, ctx context.Context, c *apigateway.Client, api, stage string) string {
	t.Helper()
	k, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("caller"), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("plan"), ApiStages: []types.ApiStage{{ApiId: &api, Stage: &stage}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: p.Id, KeyId: k.Id, KeyType: aws.String("API_KEY")}); err != nil {
		t.Fatal(err)
	}
	return *k.Value
}

// TestDeploymentSnapshot checks that stages serve the tree as it was when
// deployed: later edits show only after a new deployment.
func TestDeploymentSnapshot(t *testing.T) {
	c, base := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "snapshot")
	d1, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	later, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.root, PathPart: aws.String("later")})
	if err != nil {
		t.Fatal(err)
	}
	putMock(t, ctx, c, a.id, *later.Id, "GET")
	if _, err := c.DeleteMethod(ctx, &apigateway.DeleteMethodInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: aws.String("GET")}); err != nil {
		t.Fatal(err)
	}
	status := func(stage, path string) int {
		code, _, _ := call(t, "GET", base+"/_aws/execute-api/"+a.id+"/"+stage+path, "", nil)
		return code
	}
	if got := status("v1", "/items"); got != 200 {
		t.Fatalf("v1 /items after deleting its method but before redeploying: HTTP %d, want 200", got)
	}
	if got := status("v1", "/later"); got != 403 {
		t.Fatalf("v1 /later before redeploying: HTTP %d, want 403", got)
	}
	d2, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	if status("v2", "/later") != 200 || status("v2", "/items") != 403 || status("v1", "/items") != 200 {
		t.Fatal("v2 must serve the new tree while v1 keeps the old one")
	}
	// Pointing v1 at the new deployment switches what it serves.
	if _, err := c.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: &a.id, StageName: aws.String("v1"), PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/deploymentId"), Value: d2.Id}}}); err != nil {
		t.Fatal(err)
	}
	if status("v1", "/later") != 200 || status("v1", "/items") != 403 {
		t.Fatalf("v1 still serves deployment %s after moving to %s", *d1.Id, *d2.Id)
	}
}

// TestPersistence restarts the emulator on the same data directory.
func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	first, err := emulator.Start(emulator.Config{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c := apigateway.NewFromConfig(emulatortest.AWSConfig(t, first.URL()))
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "persisted")
	dep, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("prod"), Variables: map[string]string{"v": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	// An edit after the deployment must not leak into the served snapshot.
	if _, err := c.DeleteMethod(ctx, &apigateway.DeleteMethodInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: aws.String("GET")}); err != nil {
		t.Fatal(err)
	}
	key := keyFor(t, ctx, c, a.id, "prod")
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	second := emulatortest.Start(t, emulatortest.WithDataDir(dir))
	c = apigateway.NewFromConfig(emulatortest.AWSConfig(t, second.URL()))
	api, err := c.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: &a.id})
	if err != nil || *api.Name != "persisted" || *api.RootResourceId != a.root {
		t.Fatalf("GetRestApi after restart: %+v %v", api, err)
	}
	st, err := c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: &a.id, StageName: aws.String("prod")})
	if err != nil || *st.DeploymentId != *dep.Id || st.Variables["v"] != "1" {
		t.Fatalf("GetStage after restart: %+v %v", st, err)
	}
	if _, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &a.id, ResourceId: &a.items, HttpMethod: aws.String("GET")}); err == nil {
		t.Fatal("the deleted method came back after restart")
	}
	keys, err := c.GetApiKeys(ctx, &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true)})
	if err != nil || len(keys.Items) != 1 || *keys.Items[0].Value != key {
		t.Fatalf("GetApiKeys after restart: %+v %v", keys, err)
	}
	plans, err := c.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{KeyId: keys.Items[0].Id})
	if err != nil || len(plans.Items) != 1 {
		t.Fatalf("GetUsagePlans after restart: %+v %v", plans, err)
	}
	if code, _, body := call(t, "GET", second.URL()+"/_aws/execute-api/"+a.id+"/prod/items", "", nil); code != 200 {
		t.Fatalf("deployed snapshot not served after restart: HTTP %d %s", code, body)
	}
}
