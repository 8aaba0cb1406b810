package apigateway_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const lambdaURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:nope/invocations"

func client(t *testing.T) (*apigateway.Client, string) {
	t.Helper()
	srv := emulatortest.Start(t)
	return apigateway.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())), srv.URL()
}

// apiFixture is a REST API with root "/" and a child "/items" that has a
// GET method with a MOCK integration.
type apiFixture struct {
	id, root, items string
}

func newAPI(t *testing.T, ctx context.Context, c *apigateway.Client, name string) apiFixture {
	t.Helper()
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateRestApi: %v", err)
	}
	res, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("items")})
	if err != nil {
		t.Fatalf("CreateResource: %v", err)
	}
	putMock(t, ctx, c, *api.Id, *res.Id, "GET")
	return apiFixture{id: *api.Id, root: *api.RootResourceId, items: *res.Id}
}

func putMock(t *testing.T, ctx context.Context, c *apigateway.Client, api, res, verb string) {
	t.Helper()
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb, AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatalf("PutMethod: %v", err)
	}
	mockIntegration(t, ctx, c, api, res, verb)
}

// mockIntegration is the MOCK recipe: a request template choosing the
// status code, and the method and integration responses for it.
func mockIntegration(t *testing.T, ctx context.Context, c *apigateway.Client, api, res, verb string) {
	t.Helper()
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb, Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatalf("PutIntegration: %v", err)
	}
	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb, StatusCode: aws.String("200")}); err != nil {
		t.Fatalf("PutMethodResponse: %v", err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb, StatusCode: aws.String("200"),
		ResponseTemplates: map[string]string{"application/json": "{}"}}); err != nil {
		t.Fatalf("PutIntegrationResponse: %v", err)
	}
}

// wantAPIError checks the error code and HTTP status the SDK decoded.
func wantAPIError(t *testing.T, err error, code string, status int, msgPart string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want %s", err, code)
	}
	var respErr *awshttp.ResponseError
	if apiErr.ErrorCode() != code || !errors.As(err, &respErr) || respErr.HTTPStatusCode() != status {
		t.Fatalf("got %v, want %s (HTTP %d)", err, code, status)
	}
	if !strings.Contains(apiErr.ErrorMessage(), msgPart) {
		t.Fatalf("message %q does not contain %q", apiErr.ErrorMessage(), msgPart)
	}
}

var (
	restAPIID  = regexp.MustCompile(`^[a-z0-9]{10}$`)
	resourceID = regexp.MustCompile(`^[a-z0-9]{6,10}$`)
)

func TestRestAPILifecycle(t *testing.T) {
	c, _ := client(t)
	ctx := emulatortest.Context(t)
	created, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("one"), Description: aws.String("d"), Tags: map[string]string{"team": "x"}})
	if err != nil {
		t.Fatalf("CreateRestApi: %v", err)
	}
	if !restAPIID.MatchString(*created.Id) || !resourceID.MatchString(aws.ToString(created.RootResourceId)) || created.CreatedDate == nil || created.ApiKeySource != types.ApiKeySourceTypeHeader {
		t.Fatalf("created %+v", created)
	}
	got, err := c.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: created.Id})
	if err != nil || *got.Name != "one" || *got.Description != "d" || got.Tags["team"] != "x" || !got.CreatedDate.Equal(*created.CreatedDate) {
		t.Fatalf("GetRestApi: %+v %v", got, err)
	}
	res, err := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: created.Id})
	if err != nil || len(res.Items) != 1 || *res.Items[0].Path != "/" || *res.Items[0].Id != *created.RootResourceId {
		t.Fatalf("root resource: %+v %v", res, err)
	}
	upd, err := c.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: created.Id, PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("renamed")}}})
	if err != nil || *upd.Name != "renamed" {
		t.Fatalf("UpdateRestApi: %+v %v", upd, err)
	}

	// Paging walks every API exactly once.
	for i := 0; i < 4; i++ {
		if _, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String(fmt.Sprint("more", i))}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	pages := apigateway.NewGetRestApisPaginator(c, &apigateway.GetRestApisInput{Limit: aws.Int32(2)})
	for n := 0; pages.HasMorePages(); n++ {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("GetRestApis: %v", err)
		}
		if len(p.Items) > 2 {
			t.Fatalf("page of %d items with limit 2", len(p.Items))
		}
		for _, a := range p.Items {
			if seen[*a.Id] {
				t.Fatalf("%s listed twice", *a.Id)
			}
			seen[*a.Id] = true
		}
	}
	if len(seen) != 5 {
		t.Fatalf("listed %d APIs, want 5", len(seen))
	}

	if _, err := c.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: created.Id}); err != nil {
		t.Fatalf("DeleteRestApi: %v", err)
	}
	_, err = c.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: created.Id})
	wantAPIError(t, err, "NotFoundException", 404, "Invalid API identifier specified")
}

func TestResourcesMethodsIntegrations(t *testing.T) {
	c, _ := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "tree")
	id, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: &a.items, PathPart: aws.String("{id}")})
	if err != nil || *id.Path != "/items/{id}" || *id.ParentId != a.items || !resourceID.MatchString(*id.Id) {
		t.Fatalf("CreateResource {id}: %+v %v", id, err)
	}
	sub, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: &a.id, ParentId: id.Id, PathPart: aws.String("{proxy+}")})
	if err != nil || *sub.Path != "/items/{id}/{proxy+}" {
		t.Fatalf("CreateResource {proxy+}: %+v %v", sub, err)
	}
	m, err := c.PutMethod(ctx, &apigateway.PutMethodInput{
		RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE"),
		ApiKeyRequired: true, RequestParameters: map[string]bool{"method.request.path.id": true},
	})
	if err != nil || *m.HttpMethod != "ANY" || !aws.ToBool(m.ApiKeyRequired) || !m.RequestParameters["method.request.path.id"] {
		t.Fatalf("PutMethod: %+v %v", m, err)
	}
	integ, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY"), Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI)})
	if err != nil || integ.Type != types.IntegrationTypeAwsProxy || *integ.HttpMethod != "POST" || *integ.Uri != lambdaURI || integ.TimeoutInMillis != 29000 {
		t.Fatalf("PutIntegration: %+v %v", integ, err)
	}
	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY"), StatusCode: aws.String("200")}); err != nil {
		t.Fatalf("PutMethodResponse: %v", err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY"), StatusCode: aws.String("200"), SelectionPattern: aws.String("")}); err != nil {
		t.Fatalf("PutIntegrationResponse: %v", err)
	}
	got, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY")})
	if err != nil || got.MethodIntegration == nil || *got.MethodIntegration.Uri != lambdaURI || got.MethodResponses["200"].StatusCode == nil ||
		got.MethodIntegration.IntegrationResponses["200"].StatusCode == nil {
		t.Fatalf("GetMethod: %+v %v", got, err)
	}

	embedded, err := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: &a.id, Embed: []string{"methods"}})
	if err != nil || len(embedded.Items) != 4 {
		t.Fatalf("GetResources: %+v %v", embedded, err)
	}
	paths := map[string]types.Resource{}
	for _, r := range embedded.Items {
		paths[*r.Path] = r
	}
	if m := paths["/items/{id}"].ResourceMethods["ANY"]; m.MethodIntegration == nil || *m.MethodIntegration.Uri != lambdaURI {
		t.Fatalf("embed=methods lacks the integration: %+v", paths["/items/{id}"])
	}
	plain, err := c.GetResource(ctx, &apigateway.GetResourceInput{RestApiId: &a.id, ResourceId: &a.items})
	if _, ok := plain.ResourceMethods["GET"]; err != nil || !ok || *plain.Path != "/items" {
		t.Fatalf("GetResource: %+v %v", plain, err)
	}

	if _, err := c.DeleteIntegration(ctx, &apigateway.DeleteIntegrationInput{RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY")}); err != nil {
		t.Fatalf("DeleteIntegration: %v", err)
	}
	_, err = c.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY")})
	wantAPIError(t, err, "NotFoundException", 404, "Integration")
	if _, err := c.DeleteMethod(ctx, &apigateway.DeleteMethodInput{RestApiId: &a.id, ResourceId: id.Id, HttpMethod: aws.String("ANY")}); err != nil {
		t.Fatalf("DeleteMethod: %v", err)
	}
	// Deleting a resource deletes its subtree.
	if _, err := c.DeleteResource(ctx, &apigateway.DeleteResourceInput{RestApiId: &a.id, ResourceId: &a.items}); err != nil {
		t.Fatalf("DeleteResource: %v", err)
	}
	left, err := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: &a.id})
	if err != nil || len(left.Items) != 1 {
		t.Fatalf("after DeleteResource: %+v %v", left, err)
	}
	_, err = c.GetResource(ctx, &apigateway.GetResourceInput{RestApiId: &a.id, ResourceId: sub.Id})
	wantAPIError(t, err, "NotFoundException", 404, "Invalid Resource identifier")
}

func TestDeploymentsAndStages(t *testing.T) {
	c, _ := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "stages")
	d1, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("dev"), Description: aws.String("first"), Variables: map[string]string{"v": "1"}})
	if err != nil || len(*d1.Id) != 6 || *d1.Description != "first" {
		t.Fatalf("CreateDeployment: %+v %v", d1, err)
	}
	st, err := c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: &a.id, StageName: aws.String("dev")})
	if err != nil || *st.DeploymentId != *d1.Id || st.Variables["v"] != "1" {
		t.Fatalf("GetStage: %+v %v", st, err)
	}
	d2, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := c.CreateStage(ctx, &apigateway.CreateStageInput{RestApiId: &a.id, StageName: aws.String("prod"), DeploymentId: d2.Id, Description: aws.String("p")})
	if err != nil || *prod.StageName != "prod" || *prod.DeploymentId != *d2.Id {
		t.Fatalf("CreateStage: %+v %v", prod, err)
	}
	stages, err := c.GetStages(ctx, &apigateway.GetStagesInput{RestApiId: &a.id})
	if err != nil || len(stages.Item) != 2 || *stages.Item[0].StageName != "dev" || *stages.Item[1].StageName != "prod" {
		t.Fatalf("GetStages: %+v %v", stages, err)
	}
	deps, err := c.GetDeployments(ctx, &apigateway.GetDeploymentsInput{RestApiId: &a.id})
	if err != nil || len(deps.Items) != 2 {
		t.Fatalf("GetDeployments: %+v %v", deps, err)
	}
	if got, err := c.GetDeployment(ctx, &apigateway.GetDeploymentInput{RestApiId: &a.id, DeploymentId: d1.Id}); err != nil || *got.Id != *d1.Id {
		t.Fatalf("GetDeployment: %+v %v", got, err)
	}
	upd, err := c.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: &a.id, StageName: aws.String("dev"), PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/deploymentId"), Value: d2.Id},
		{Op: types.OpReplace, Path: aws.String("/variables/w"), Value: aws.String("2")},
		{Op: types.OpRemove, Path: aws.String("/variables/v")},
	}})
	if err != nil || *upd.DeploymentId != *d2.Id || upd.Variables["w"] != "2" || upd.Variables["v"] != "" {
		t.Fatalf("UpdateStage: %+v %v", upd, err)
	}
	if _, err := c.DeleteDeployment(ctx, &apigateway.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: d1.Id}); err != nil {
		t.Fatalf("DeleteDeployment of an unused deployment: %v", err)
	}
	if _, err := c.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: &a.id, StageName: aws.String("dev")}); err != nil {
		t.Fatalf("DeleteStage: %v", err)
	}
	_, err = c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: &a.id, StageName: aws.String("dev")})
	wantAPIError(t, err, "NotFoundException", 404, "Invalid Stage identifier")
}

func TestAPIKeysAndUsagePlans(t *testing.T) {
	c, _ := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "keys")
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &a.id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	gen, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("gen"), Enabled: true})
	if err != nil || len(aws.ToString(gen.Value)) != 40 || !gen.Enabled || !restAPIID.MatchString(*gen.Id) {
		t.Fatalf("CreateApiKey: %+v %v", gen, err)
	}
	own, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("own"), Value: aws.String("my-own-key-value-0123456789")})
	if err != nil || *own.Value != "my-own-key-value-0123456789" || own.Enabled {
		t.Fatalf("CreateApiKey with value: %+v %v", own, err)
	}
	hidden, err := c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: gen.Id})
	if err != nil || hidden.Value != nil {
		t.Fatalf("GetApiKey without includeValue shows %v (%v)", hidden.Value, err)
	}
	shown, err := c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: gen.Id, IncludeValue: aws.Bool(true)})
	if err != nil || *shown.Value != *gen.Value {
		t.Fatalf("GetApiKey includeValue: %+v %v", shown, err)
	}
	keys, err := c.GetApiKeys(ctx, &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true)})
	if err != nil || len(keys.Items) != 2 || keys.Items[0].Value == nil {
		t.Fatalf("GetApiKeys: %+v %v", keys, err)
	}
	plan, err := c.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("plan"), ApiStages: []types.ApiStage{{ApiId: &a.id, Stage: aws.String("prod")}},
		Throttle: &types.ThrottleSettings{BurstLimit: 5, RateLimit: 2.5}})
	if err != nil || len(*plan.Id) != 6 || *plan.ApiStages[0].ApiId != a.id || plan.Throttle.BurstLimit != 5 {
		t.Fatalf("CreateUsagePlan: %+v %v", plan, err)
	}
	pk, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: gen.Id, KeyType: aws.String("API_KEY")})
	if err != nil || *pk.Id != *gen.Id || *pk.Type != "API_KEY" || *pk.Value != *gen.Value {
		t.Fatalf("CreateUsagePlanKey: %+v %v", pk, err)
	}
	pks, err := c.GetUsagePlanKeys(ctx, &apigateway.GetUsagePlanKeysInput{UsagePlanId: plan.Id})
	if err != nil || len(pks.Items) != 1 {
		t.Fatalf("GetUsagePlanKeys: %+v %v", pks, err)
	}
	byKey, err := c.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{KeyId: gen.Id})
	if err != nil || len(byKey.Items) != 1 {
		t.Fatalf("GetUsagePlans keyId: %+v %v", byKey, err)
	}
	if got, err := c.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: plan.Id}); err != nil || *got.Name != "plan" {
		t.Fatalf("GetUsagePlan: %+v %v", got, err)
	}
	if _, err := c.DeleteUsagePlanKey(ctx, &apigateway.DeleteUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: gen.Id}); err != nil {
		t.Fatalf("DeleteUsagePlanKey: %v", err)
	}
	if _, err := c.DeleteUsagePlan(ctx, &apigateway.DeleteUsagePlanInput{UsagePlanId: plan.Id}); err != nil {
		t.Fatalf("DeleteUsagePlan: %v", err)
	}
	if _, err := c.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: own.Id}); err != nil {
		t.Fatalf("DeleteApiKey: %v", err)
	}
	_, err = c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: own.Id})
	wantAPIError(t, err, "NotFoundException", 404, "Invalid API Key identifier")
}

func TestTags(t *testing.T) {
	c, _ := client(t)
	ctx := emulatortest.Context(t)
	a := newAPI(t, ctx, c, "tags")
	arn := "arn:aws:apigateway:us-east-1::/restapis/" + a.id
	if _, err := c.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := c.UntagResource(ctx, &apigateway.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"a"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	tags, err := c.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Fatalf("GetTags: %+v %v", tags, err)
	}
	_, err = c.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/restapis/missing")})
	wantAPIError(t, err, "NotFoundException", 404, "Invalid API identifier")
}
