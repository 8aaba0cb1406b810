package lambda_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda"
)

type anyRole struct{}

func (anyRole) RoleExists(string) bool { return true }

// TestPermissionsPerQualifier scopes permissions to an alias and checks
// what each grants to API Gateway (AllowsInvoke): as on AWS, the alias's
// policy covers invocations through the alias ARN only, and the
// function's policy does not cover the alias.
func TestPermissionsPerQualifier(t *testing.T) {
	svc, err := lambda.New(lambda.Options{Roles: anyRole{}, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	hs := httptest.NewServer(svc)
	t.Cleanup(hs.Close)
	e := &env{client: awslambda.NewFromConfig(emulatortest.AWSConfig(t, hs.URL)), role: "arn:aws:iam::000000000000:role/any"}
	ctx := emulatortest.Context(t)
	publishN(t, e, "guarded", 1)
	alias, err := e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("guarded"), Name: aws.String("live"), FunctionVersion: aws.String("1")})
	if err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	const (
		account = "000000000000"
		gw      = "apigateway.amazonaws.com"
		ours    = "arn:aws:execute-api:us-east-1:000000000000:abc123"
		other   = "arn:aws:execute-api:us-east-1:000000000000:zzz999"
	)
	added, err := e.client.AddPermission(ctx, &awslambda.AddPermissionInput{
		FunctionName: aws.String("guarded"), Qualifier: aws.String("live"), StatementId: aws.String("stage"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(gw), SourceArn: aws.String(ours + "/*/GET/hello"),
		RevisionId: alias.RevisionId,
	})
	if err != nil {
		t.Fatalf("AddPermission on the alias: %v", err)
	}
	var st struct{ Resource string }
	if err := json.Unmarshal([]byte(aws.ToString(added.Statement)), &st); err != nil || st.Resource != arnPrefix+"guarded:live" {
		t.Errorf("statement %s names %s, want the alias ARN", aws.ToString(added.Statement), st.Resource)
	}
	if _, err := e.client.AddPermission(ctx, &awslambda.AddPermissionInput{
		FunctionName: aws.String("guarded"), StatementId: aws.String("stage"),
		Action: aws.String("lambda:*"), Principal: aws.String(gw), SourceArn: aws.String(other + "/*"),
	}); err != nil {
		t.Fatalf("AddPermission on the function (same Sid, another policy): %v", err)
	}
	pol, err := e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("guarded:live")})
	got, _ := e.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("guarded"), Name: aws.String("live")})
	if err != nil || got == nil || aws.ToString(pol.RevisionId) != aws.ToString(got.RevisionId) || aws.ToString(got.RevisionId) == aws.ToString(alias.RevisionId) {
		t.Fatalf("GetPolicy of the alias = %v, %v; want the alias's new RevisionId", pol, err)
	}

	tests := []struct {
		name, ref, source string
		want              bool
	}{
		{"through the alias", "guarded:live", ours + "/prod/GET/hello", true},
		{"alias ARN", arnPrefix + "guarded:live", ours + "/beta/GET/hello", true},
		{"other method", "guarded:live", ours + "/prod/POST/hello", false},
		{"other API on the alias", "guarded:live", other + "/prod/GET/hello", false},
		{"unqualified", "guarded", ours + "/prod/GET/hello", false},
		{"version", "guarded:1", ours + "/prod/GET/hello", false},
		{"function grant", "guarded", other + "/prod/GET/x", true},
		{"function grant does not cover $LATEST's alias", "guarded:live", other + "/prod/GET/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, found := svc.AllowsInvoke("us-east-1", tt.ref, gw, tt.source, account)
			if !found || ok != tt.want {
				t.Fatalf("AllowsInvoke(%s, %s) = %v (found %v); want %v", tt.ref, tt.source, ok, found, tt.want)
			}
		})
	}
	if ok, found := svc.AllowsInvoke("us-east-1", "guarded:live", "events.amazonaws.com", ours+"/prod/GET/hello", account); ok || !found {
		t.Errorf("another principal: %v (found %v); want refused", ok, found)
	}
	if _, found := svc.AllowsInvoke("us-east-1", "guarded:nope", gw, ours, account); found {
		t.Error("AllowsInvoke found an unknown alias")
	}

	errs := []struct {
		name, qualifier, code string
		status                int
		msg                   string
	}{
		{"latest", "$LATEST", "InvalidParameterValueException", 400, "We currently do not support adding policies for $LATEST."},
		{"unknown alias", "nope", "ResourceNotFoundException", 404, "Cannot find alias arn: " + arnPrefix + "guarded:nope"},
		{"unknown version", "5", "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "guarded:5"},
		{"bad qualifier", "a/b", "ValidationException", 400, "at 'qualifier' failed to satisfy constraint"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.AddPermission(emulatortest.Context(t), &awslambda.AddPermissionInput{
				FunctionName: aws.String("guarded"), Qualifier: aws.String(tt.qualifier), StatementId: aws.String("x"),
				Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(gw),
			})
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
	_, err = e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("guarded"), Qualifier: aws.String("1")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")

	if _, err := e.client.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: aws.String("guarded"), Qualifier: aws.String("live"), StatementId: aws.String("stage")}); err != nil {
		t.Fatalf("RemovePermission on the alias: %v", err)
	}
	if ok, _ := svc.AllowsInvoke("us-east-1", "guarded:live", gw, ours+"/prod/GET/hello", account); ok {
		t.Error("the alias still grants after RemovePermission")
	}
	if ok, _ := svc.AllowsInvoke("us-east-1", "guarded", gw, other+"/prod/GET/x", account); !ok {
		t.Error("removing the alias's statement removed the function's")
	}
}
