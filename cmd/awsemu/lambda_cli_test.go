package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

// lambdaCases drive versions, aliases and qualified permissions with the
// aws CLI: two packages of the greeter make two versions that differ in
// code and configuration, and an alias splits invocations between them.
func lambdaCases(t *testing.T) []cliCase {
	dir := t.TempDir()
	one, two := filepath.Join(dir, "one.zip"), filepath.Join(dir, "two.zip")
	for path, answer := range map[string]string{one: "one", two: "two"} {
		if err := os.WriteFile(path, lambdatest.GreeterZip(t, answer), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.json")
	const (
		role = "arn:aws:iam::000000000000:role/cli-lambda"
		fn   = "arn:aws:lambda:us-east-1:000000000000:function:cli-fn"
	)
	return []cliCase{
		{name: "create role", args: []string{"iam", "create-role", "--role-name", "cli-lambda", "--assume-role-policy-document", trustPolicy}},
		{name: "create and publish", args: []string{"lambda", "create-function", "--function-name", "cli-fn", "--runtime", "provided.al2023", "--handler", "bootstrap",
			"--role", role, "--zip-file", "fileb://" + one, "--environment", "Variables={COLOR=blue}", "--publish"},
			want: map[string]string{"Version": "1", "FunctionArn": fn}},
		{name: "wait active", args: []string{"lambda", "wait", "function-active-v2", "--function-name", "cli-fn"}},
		{name: "update code and publish", args: []string{"lambda", "update-function-code", "--function-name", "cli-fn", "--zip-file", "fileb://" + two, "--publish"},
			want: map[string]string{"Version": "2", "FunctionArn": fn + ":2"}, save: map[string]string{"SHA": "CodeSha256"}},
		{name: "wait version active", args: []string{"lambda", "wait", "published-version-active", "--function-name", "cli-fn", "--qualifier", "2"}},
		{name: "publish unchanged", args: []string{"lambda", "publish-version", "--function-name", "cli-fn", "--code-sha256", "{SHA}"},
			want: map[string]string{"Version": "2"}},
		{name: "publish stale code", args: []string{"lambda", "publish-version", "--function-name", "cli-fn", "--code-sha256", "c3RhbGU="},
			wantErr: "InvalidParameterValueException", wantStatus: 400},
		{name: "list versions", args: []string{"lambda", "list-versions-by-function", "--function-name", "cli-fn"},
			want: map[string]string{"Versions.0.Version": "$LATEST", "Versions.0.FunctionArn": fn + ":$LATEST", "Versions.1.Environment.Variables.COLOR": "blue", "Versions.2.Version": "2"}},
		{name: "create weighted alias", args: []string{"lambda", "create-alias", "--function-name", "cli-fn", "--name", "live", "--function-version", "1",
			"--routing-config", "AdditionalVersionWeights={2=0.5}"},
			want: map[string]string{"AliasArn": fn + ":live", "RoutingConfig.AdditionalVersionWeights.2": "0.5"}},
		{name: "create alias twice", args: []string{"lambda", "create-alias", "--function-name", "cli-fn", "--name", "live", "--function-version", "1"},
			wantErr: "ResourceConflictException", wantStatus: 409},
		{name: "alias on a missing version", args: []string{"lambda", "create-alias", "--function-name", "cli-fn", "--name", "beta", "--function-version", "9"},
			wantErr: "ResourceNotFoundException", wantStatus: 404},
		{name: "get missing alias", args: []string{"lambda", "get-alias", "--function-name", "cli-fn", "--name", "nope"},
			wantErr: "ResourceNotFoundException", wantStatus: 404},
		{name: "configuration through the alias", args: []string{"lambda", "get-function-configuration", "--function-name", "cli-fn:live"},
			want: map[string]string{"FunctionArn": fn + ":live", "Version": "1", "Environment.Variables.COLOR": "blue"}},
		{name: "invoke version 1", args: []string{"lambda", "invoke", "--function-name", "cli-fn", "--qualifier", "1", out},
			want: map[string]string{"StatusCode": "200", "ExecutedVersion": "1"}},
		{name: "invoke through the alias", args: []string{"lambda", "invoke", "--function-name", "cli-fn:live", out},
			want: map[string]string{"StatusCode": "200", "ExecutedVersion": "1|2"}},
		{name: "permission on the alias", args: []string{"lambda", "add-permission", "--function-name", "cli-fn", "--qualifier", "live", "--statement-id", "apigw",
			"--action", "lambda:InvokeFunction", "--principal", "apigateway.amazonaws.com"}},
		{name: "alias policy", args: []string{"lambda", "get-policy", "--function-name", "cli-fn:live"}},
		{name: "no policy on the function", args: []string{"lambda", "get-policy", "--function-name", "cli-fn"},
			wantErr: "ResourceNotFoundException", wantStatus: 404},
		{name: "permission on $LATEST", args: []string{"lambda", "add-permission", "--function-name", "cli-fn", "--qualifier", "$LATEST", "--statement-id", "x",
			"--action", "lambda:InvokeFunction", "--principal", "apigateway.amazonaws.com"}, wantErr: "InvalidParameterValueException", wantStatus: 400},
		{name: "delete an aliased version", args: []string{"lambda", "delete-function", "--function-name", "cli-fn", "--qualifier", "1"},
			wantErr: "ResourceConflictException", wantStatus: 409},
		{name: "move the alias", args: []string{"lambda", "update-alias", "--function-name", "cli-fn", "--name", "live", "--function-version", "2",
			"--routing-config", "AdditionalVersionWeights={}"}, want: map[string]string{"FunctionVersion": "2"}},
		{name: "delete version 1", args: []string{"lambda", "delete-function", "--function-name", "cli-fn", "--qualifier", "1"}},
		{name: "invoke a deleted version", args: []string{"lambda", "invoke", "--function-name", "cli-fn:1", out},
			wantErr: "ResourceNotFoundException", wantStatus: 404},
		{name: "delete $LATEST alone", args: []string{"lambda", "delete-function", "--function-name", "cli-fn", "--qualifier", "$LATEST"},
			wantErr: "InvalidParameterValueException", wantStatus: 400},
		{name: "delete alias", args: []string{"lambda", "delete-alias", "--function-name", "cli-fn", "--name", "live"}},
		{name: "delete function", args: []string{"lambda", "delete-function", "--function-name", "cli-fn"}},
	}
}
