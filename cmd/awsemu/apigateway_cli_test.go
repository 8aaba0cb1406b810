package main_test

// lambdaURI names a function that need not exist: the control plane only
// checks the form.
const lambdaURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"

// apigatewayCases build the CORS recipe with a MOCK integration, check it
// with test-invoke-method, and manage authorizers and usage-plan limits,
// with the failures' codes and HTTP statuses.
func apigatewayCases() []cliCase {
	api := []string{"--rest-api-id", "{API}", "--resource-id", "{ROOT}"}
	with := func(args ...string) []string {
		return append(append([]string{"apigateway", args[0]}, api...), args[1:]...)
	}
	return []cliCase{
		{name: "create rest api", args: []string{"apigateway", "create-rest-api", "--name", "cli-api"},
			save: map[string]string{"API": "id", "ROOT": "rootResourceId"}},
		{name: "put OPTIONS method", args: with("put-method", "--http-method", "OPTIONS", "--authorization-type", "NONE")},
		{name: "put MOCK integration", args: with("put-integration", "--http-method", "OPTIONS", "--type", "MOCK", "--request-templates", `{"application/json":"{\"statusCode\": 200}"}`),
			want: map[string]string{"type": "MOCK", "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": "29000"}},
		{name: "put method response", args: with("put-method-response", "--http-method", "OPTIONS", "--status-code", "200", "--response-parameters", `{"method.response.header.Access-Control-Allow-Origin":false,"method.response.header.Access-Control-Allow-Methods":false}`)},
		{name: "put integration response", args: with("put-integration-response", "--http-method", "OPTIONS", "--status-code", "200",
			"--response-parameters", `{"method.response.header.Access-Control-Allow-Origin":"'*'","method.response.header.Access-Control-Allow-Methods":"'GET,OPTIONS'"}`, "--response-templates", `{"application/json":""}`),
			want: map[string]string{"statusCode": "200", "responseTemplates.application/json": ""}},
		{name: "map an undeclared header", args: with("put-integration-response", "--http-method", "OPTIONS", "--status-code", "200",
			"--response-parameters", `{"method.response.header.X-Other":"'x'"}`), wantErr: "BadRequestException", wantStatus: 400},
		{name: "map from an invalid source", args: with("put-integration-response", "--http-method", "OPTIONS", "--status-code", "200",
			"--response-parameters", `{"method.response.header.Access-Control-Allow-Origin":"somewhere"}`), wantErr: "BadRequestException", wantStatus: 400},
		{name: "test-invoke the pre-flight", args: with("test-invoke-method", "--http-method", "OPTIONS", "--path-with-query-string", "/"),
			want: map[string]string{"status": "200", "body": "", "headers.Access-Control-Allow-Origin": "*", "headers.Access-Control-Allow-Methods": "GET,OPTIONS"}},
		{name: "test-invoke a missing method", args: with("test-invoke-method", "--http-method", "DELETE"), wantErr: "NotFoundException", wantStatus: 404},
		{name: "create authorizer", args: []string{"apigateway", "create-authorizer", "--rest-api-id", "{API}", "--name", "tok", "--type", "TOKEN",
			"--authorizer-uri", lambdaURI, "--identity-source", "method.request.header.Authorization"},
			want: map[string]string{"type": "TOKEN", "authorizerResultTtlInSeconds": "300"}, save: map[string]string{"AUTH": "id"}},
		{name: "create authorizer twice", args: []string{"apigateway", "create-authorizer", "--rest-api-id", "{API}", "--name", "tok", "--type", "TOKEN",
			"--authorizer-uri", lambdaURI, "--identity-source", "method.request.header.Authorization"}, wantErr: "ConflictException", wantStatus: 409},
		{name: "create authorizer with a bad type", args: []string{"apigateway", "create-authorizer", "--rest-api-id", "{API}", "--name", "bad", "--type", "OAUTH2",
			"--authorizer-uri", lambdaURI}, wantErr: "BadRequestException", wantStatus: 400},
		{name: "get authorizer", args: []string{"apigateway", "get-authorizer", "--rest-api-id", "{API}", "--authorizer-id", "{AUTH}"},
			want: map[string]string{"name": "tok", "identitySource": "method.request.header.Authorization"}},
		{name: "get missing authorizer", args: []string{"apigateway", "get-authorizer", "--rest-api-id", "{API}", "--authorizer-id", "nope"}, wantErr: "NotFoundException", wantStatus: 404},
		{name: "update authorizer", args: []string{"apigateway", "update-authorizer", "--rest-api-id", "{API}", "--authorizer-id", "{AUTH}",
			"--patch-operations", "op=replace,path=/authorizerResultTtlInSeconds,value=0"}, want: map[string]string{"authorizerResultTtlInSeconds": "0"}},
		{name: "list authorizers", args: []string{"apigateway", "get-authorizers", "--rest-api-id", "{API}"}, want: map[string]string{"items.0.id": "{AUTH}"}},
		{name: "guard GET with it", args: with("put-method", "--http-method", "GET", "--authorization-type", "CUSTOM", "--authorizer-id", "{AUTH}"),
			want: map[string]string{"authorizationType": "CUSTOM", "authorizerId": "{AUTH}"}},
		{name: "delete authorizer in use", args: []string{"apigateway", "delete-authorizer", "--rest-api-id", "{API}", "--authorizer-id", "{AUTH}"}, wantErr: "ConflictException", wantStatus: 409},
		{name: "create usage plan with limits", args: []string{"apigateway", "create-usage-plan", "--name", "plan", "--throttle", "burstLimit=5,rateLimit=2.5", "--quota", "limit=100,period=DAY"},
			want: map[string]string{"throttle.burstLimit": "5", "throttle.rateLimit": "2.5", "quota.period": "DAY"}, save: map[string]string{"PLAN": "id"}},
		{name: "update usage plan quota", args: []string{"apigateway", "update-usage-plan", "--usage-plan-id", "{PLAN}", "--patch-operations", "op=replace,path=/quota/limit,value=5"},
			want: map[string]string{"quota.limit": "5"}},
		{name: "update usage plan with a bad period", args: []string{"apigateway", "update-usage-plan", "--usage-plan-id", "{PLAN}", "--patch-operations", "op=replace,path=/quota/period,value=YEAR"},
			wantErr: "BadRequestException", wantStatus: 400},
	}
}
