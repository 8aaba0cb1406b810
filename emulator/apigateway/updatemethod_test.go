package apigateway_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// UpdateMethod changes a method in place; once deployed, a method that now
// requires an API key refuses calls without one.
func TestUpdateMethod(t *testing.T) {
	c, url := client(t)
	ctx := emulatortest.Context(t)
	api := newAPI(t, ctx, c, "update-method")
	patch := func(ops ...types.PatchOperation) (*apigateway.UpdateMethodOutput, error) {
		return c.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: &api.id, ResourceId: &api.items, HttpMethod: aws.String("GET"), PatchOperations: ops})
	}
	replace := func(path, value string) types.PatchOperation {
		return types.PatchOperation{Op: types.OpReplace, Path: aws.String(path), Value: aws.String(value)}
	}

	out, err := patch(replace("/apiKeyRequired", "true"), replace("/operationName", "ListItems"),
		types.PatchOperation{Op: types.OpAdd, Path: aws.String("/requestParameters/method.request.header.x-trace"), Value: aws.String("false")})
	if err != nil {
		t.Fatalf("UpdateMethod: %v", err)
	}
	if !aws.ToBool(out.ApiKeyRequired) || aws.ToString(out.OperationName) != "ListItems" || !hasKey(out.RequestParameters, "method.request.header.x-trace") {
		t.Fatalf("UpdateMethod answered %+v", out)
	}
	got, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &api.id, ResourceId: &api.items, HttpMethod: aws.String("GET")})
	if err != nil || !aws.ToBool(got.ApiKeyRequired) || got.MethodIntegration == nil {
		t.Fatalf("GetMethod after update = %+v, %v (the integration must stay)", got, err)
	}

	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: &api.id, StageName: aws.String("prod")}); err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	resp, err := http.Get(url + "/_aws/execute-api/" + api.id + "/prod/items")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET without an API key = %d, want 403 once apiKeyRequired is deployed", resp.StatusCode)
	}

	for _, tc := range []struct {
		name string
		op   types.PatchOperation
		msg  string
	}{
		{"unknown authorization type", replace("/authorizationType", "MAGIC"), "Invalid authorization type"},
		{"custom without an authorizer", replace("/authorizationType", "CUSTOM"), "Invalid authorizer ID"},
		{"not a boolean", replace("/apiKeyRequired", "maybe"), "apiKeyRequired"},
		{"unknown path", replace("/httpMethod", "POST"), "Invalid patch path"},
		{"parameter that is not a method parameter", types.PatchOperation{Op: types.OpAdd, Path: aws.String("/requestParameters/header.x"), Value: aws.String("true")}, "Invalid mapping expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := patch(tc.op)
			wantAPIError(t, err, "BadRequestException", http.StatusBadRequest, tc.msg)
		})
	}
	if got, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &api.id, ResourceId: &api.items, HttpMethod: aws.String("GET")}); err != nil || aws.ToString(got.AuthorizationType) != "NONE" {
		t.Errorf("a refused update changed the method: %+v, %v", got, err)
	}
	_, err = c.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: &api.id, ResourceId: &api.items, HttpMethod: aws.String("DELETE"),
		PatchOperations: []types.PatchOperation{replace("/apiKeyRequired", "true")}})
	wantAPIError(t, err, "NotFoundException", http.StatusNotFound, "Invalid Method identifier")
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
