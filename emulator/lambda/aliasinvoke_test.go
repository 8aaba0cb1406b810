package lambda_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apigwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

// greeterVersions creates the greeter as name with two published versions
// that differ in code (answer "one" / "two") and configuration (COLOR blue
// / green); $LATEST stays equal to version 2.
func greeterVersions(t *testing.T, e *env, name string) {
	t.Helper()
	one, two := lambdatest.GreeterZip(t, "one"), lambdatest.GreeterZip(t, "two") // built before any deadline runs
	ctx := emulatortest.Context(t)
	in := e.createInput(name, one)
	in.Environment = &types.Environment{Variables: map[string]string{"COLOR": "blue"}}
	in.Publish = true
	if _, err := e.client.CreateFunction(ctx, in); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(name), ZipFile: two}); err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(name), Environment: &types.Environment{Variables: map[string]string{"COLOR": "green"}},
	}); err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	if v, err := e.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String(name)}); err != nil || aws.ToString(v.Version) != "2" {
		t.Fatalf("PublishVersion = %v, %v; want version 2", v, err)
	}
}

// greet invokes ref and checks that the body agrees with the header saying
// which version ran: version 1 answers one/blue, the others two/green.
func greet(t *testing.T, e *env, ref string, qualifier *string) lambdatest.GreeterOutput {
	t.Helper()
	out, err := e.client.Invoke(emulatortest.Context(t), &lambda.InvokeInput{FunctionName: aws.String(ref), Qualifier: qualifier})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("Invoke %s: %v (function error %s: %s)", ref, err, aws.ToString(out.FunctionError), out.Payload)
	}
	var g lambdatest.GreeterOutput
	if err := json.Unmarshal(out.Payload, &g); err != nil {
		t.Fatalf("greeter answered %q: %v", out.Payload, err)
	}
	answer, color := "two", "green"
	if g.Version == "1" {
		answer, color = "one", "blue"
	}
	if executed := aws.ToString(out.ExecutedVersion); g.Version != executed || g.Answer != answer || g.Color != color {
		t.Fatalf("Invoke %s: X-Amz-Executed-Version %s, body %+v; want the body of that version (%s, %s)", ref, executed, g, answer, color)
	}
	return g
}

// TestAliasRoutesBetweenVersions is the alias-routed invoke: an alias on
// version 1 sending half the invocations to version 2 runs both versions'
// own code and configuration, each in its own processes.
func TestAliasRoutesBetweenVersions(t *testing.T) {
	e := start(t)
	greeterVersions(t, e, "greeter")
	ctx := emulatortest.Context(t)
	if _, err := e.client.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String("greeter"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.5}},
	}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}

	// With a weight of 0.5, 40 invocations miss one version with
	// probability 2^-39.
	const n = 40
	ran := map[string]int{}
	pids := map[string]int{}
	for range n {
		g := greet(t, e, "greeter:live", nil)
		if g.InvokedARN != arnPrefix+"greeter:live" {
			t.Fatalf("invoked ARN %s, want the alias ARN", g.InvokedARN)
		}
		ran[g.Version]++
		pids[g.Version] = g.PID
	}
	t.Logf("%d invocations through greeter:live ran version 1 %d times, version 2 %d times", n, ran["1"], ran["2"])
	if ran["1"] == 0 || ran["2"] == 0 || ran["1"]+ran["2"] != n {
		t.Fatalf("versions run through the alias: %v; want both 1 and 2", ran)
	}
	if pids["1"] == pids["2"] {
		t.Errorf("versions 1 and 2 ran in the same process %d", pids["1"])
	}

	// Fixed qualifiers run their own version.
	tests := []struct {
		ref       string
		qualifier *string
		version   string
		invoked   string
	}{
		{"greeter:1", nil, "1", arnPrefix + "greeter:1"},
		{"greeter", aws.String("2"), "2", arnPrefix + "greeter:2"},
		{arnPrefix + "greeter:1", nil, "1", arnPrefix + "greeter:1"},
		{"greeter", nil, "$LATEST", arnPrefix + "greeter"},
		{"greeter", aws.String("$LATEST"), "$LATEST", arnPrefix + "greeter:$LATEST"},
	}
	for _, tt := range tests {
		if g := greet(t, e, tt.ref, tt.qualifier); g.Version != tt.version || g.InvokedARN != tt.invoked {
			t.Errorf("Invoke %s (qualifier %v) ran version %s as %s; want %s as %s", tt.ref, aws.ToString(tt.qualifier), g.Version, g.InvokedARN, tt.version, tt.invoked)
		}
	}

	// Moving the alias moves every invocation.
	if _, err := e.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("greeter"), Name: aws.String("live"), FunctionVersion: aws.String("2"),
		RoutingConfig: &types.AliasRoutingConfiguration{},
	}); err != nil {
		t.Fatalf("UpdateAlias: %v", err)
	}
	for range 5 {
		if g := greet(t, e, "greeter:live", nil); g.Version != "2" {
			t.Fatalf("after moving the alias to 2, version %s ran", g.Version)
		}
	}
}

// TestStageInvokesAlias reaches an alias through an API Gateway stage URL
// whose integration URI names the alias ARN.
func TestStageInvokesAlias(t *testing.T) {
	e := start(t)
	greeterVersions(t, e, "staged")
	ctx := emulatortest.Context(t)
	if _, err := e.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("staged"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	gw := apigateway.NewFromConfig(emulatortest.AWSConfig(t, e.srv.URL()))
	api, err := gw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("aliased")})
	if err != nil {
		t.Fatalf("CreateRestApi: %v", err)
	}
	res, err := gw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("GetResources: %v, %v", res, err)
	}
	// /hello names the alias; /var names it through a stage variable, as
	// AWS's guide to stage variables does.
	for path, qualifier := range map[string]string{"hello": "live", "var": "${stageVariables.alias}"} {
		r, err := gw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: res.Items[0].Id, PathPart: aws.String(path)})
		if err != nil {
			t.Fatalf("CreateResource: %v", err)
		}
		if _, err := gw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: r.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
			t.Fatalf("PutMethod: %v", err)
		}
		uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arnPrefix + "staged:" + qualifier + "/invocations"
		if _, err := gw.PutIntegration(ctx, &apigateway.PutIntegrationInput{
			RestApiId: api.Id, ResourceId: r.Id, HttpMethod: aws.String("GET"), Type: apigwtypes.IntegrationTypeAwsProxy,
			IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(uri),
		}); err != nil {
			t.Fatalf("PutIntegration %s: %v", uri, err)
		}
	}
	if _, err := gw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod"), Variables: map[string]string{"alias": "live"}}); err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	// API Gateway checks the policy of what the URI names: a grant on the
	// function does not let the stage invoke the alias, one on the alias does.
	stage := e.srv.URL() + "/restapis/" + aws.ToString(api.Id) + "/prod/_user_request_/"
	sourceARN := "arn:aws:execute-api:us-east-1:000000000000:" + aws.ToString(api.Id) + "/*/GET/*"
	for _, qualifier := range []*string{nil, aws.String("live")} {
		if _, err := e.client.AddPermission(ctx, &lambda.AddPermissionInput{
			FunctionName: aws.String("staged"), Qualifier: qualifier, StatementId: aws.String("apigw"),
			Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"), SourceArn: aws.String(sourceARN),
		}); err != nil {
			t.Fatalf("AddPermission (qualifier %s): %v", aws.ToString(qualifier), err)
		}
		if qualifier == nil {
			if status, body := httpGet(t, stage+"hello"); status != http.StatusInternalServerError {
				t.Fatalf("GET /hello with a grant on the function only: %d %s, want 500 as on AWS", status, body)
			}
		}
	}
	for _, want := range []struct{ version, answer string }{{"1", "one"}, {"2", "two"}} {
		if want.version == "2" {
			if _, err := e.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("staged"), Name: aws.String("live"), FunctionVersion: aws.String("2")}); err != nil {
				t.Fatalf("UpdateAlias: %v", err)
			}
		}
		for _, path := range []string{"hello", "var"} {
			status, body := httpGet(t, stage+path)
			var g lambdatest.GreeterOutput
			if err := json.Unmarshal(body, &g); status != http.StatusOK || err != nil {
				t.Fatalf("GET %s: %d %s (%v)", stage+path, status, body, err)
			}
			if g.Version != want.version || g.Answer != want.answer || g.InvokedARN != arnPrefix+"staged:live" {
				t.Errorf("GET /%s answered %+v with the alias on %s; want version %s answering %s through the alias ARN", path, g, want.version, want.version, want.answer)
			}
		}
	}
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, body
}
