package lambda_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func TestFunctionsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := start(t, emulatortest.WithDataDir(dir))
	ctx := emulatortest.Context(t)
	v1 := shellZip(t, "v1")
	e.create(t, "kept", v1)
	e.create(t, "dropped", v1)
	v2 := shellZip(t, "v2")
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("kept"), ZipFile: v2}); err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("kept"), Environment: &types.Environment{Variables: map[string]string{"KEY": "v"}},
	}); err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	if _, err := e.client.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("kept"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
	}); err != nil {
		t.Fatalf("AddPermission: %v", err)
	}
	if _, err := e.client.TagResource(ctx, &lambda.TagResourceInput{
		Resource: aws.String("arn:aws:lambda:us-east-1:000000000000:function:kept"), Tags: map[string]string{"env": "test"},
	}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("dropped")}); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	before, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("kept")})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration: %v", err)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatalf("close emulator: %v", err)
	}

	e = reconnect(t, emulatortest.Start(t, emulatortest.WithDataDir(dir)), e.role)
	got, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("kept")})
	if err != nil {
		t.Fatalf("GetFunction after restart: %v", err)
	}
	c := got.Configuration
	if aws.ToString(c.CodeSha256) != sha256B64(v2) || aws.ToString(c.RevisionId) != aws.ToString(before.RevisionId) ||
		c.Environment == nil || c.Environment.Variables["KEY"] != "v" || got.Tags["env"] != "test" {
		t.Errorf("after restart: sha %s rev %s env %v tags %v; want sha %s rev %s env KEY=v tags env=test",
			aws.ToString(c.CodeSha256), aws.ToString(c.RevisionId), c.Environment, got.Tags, sha256B64(v2), aws.ToString(before.RevisionId))
	}
	resp, err := http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatalf("download code: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != string(v2) {
		t.Errorf("downloaded %d bytes after restart, want the %d bytes of v2", len(body), len(v2))
	}
	pol, err := e.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("kept")})
	if err != nil {
		t.Fatalf("GetPolicy after restart: %v", err)
	}
	var doc struct{ Statement []struct{ Sid string } }
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil || len(doc.Statement) != 1 || doc.Statement[0].Sid != "apigw" {
		t.Errorf("policy after restart = %s (%v)", aws.ToString(pol.Policy), err)
	}
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("dropped")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found")
	// The restored function takes updates again.
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("kept"), ZipFile: v1}); err != nil {
		t.Fatalf("UpdateFunctionCode after restart: %v", err)
	}
}
