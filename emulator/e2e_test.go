package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/provision"
)

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// TestEndToEnd drives the whole product path through real SDK clients: a
// role with the project's own policy, a function built from source, a REST
// API with a {proxy+} route, a deployment; then plain HTTP through the
// three LocalStack URL forms makes the function call EC2 back through
// AWS_ENDPOINT_URL and change the project's instance's state. Strict IAM
// is on: the function's calls are evaluated against that policy, which
// must be enough.
func TestEndToEnd(t *testing.T) {
	// Built before the calls' context starts: linking takes long on a
	// loaded machine.
	code := lambdatest.BuildFunction(t, "github.com/apidriven/api-driven/emulator/testdata/ec2control")
	srv := emulatortest.Start(t, emulatortest.WithTransitionDelay(100*time.Millisecond), emulatortest.WithEnforceIAM())
	cfg := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	ec2c, iamc, lambdac, apigw := ec2.NewFromConfig(cfg), iam.NewFromConfig(cfg), lambda.NewFromConfig(cfg), apigateway.NewFromConfig(cfg)

	run, err := ec2c.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String(provision.DefaultTagKey), Value: aws.String(provision.DefaultTagValue)}}}},
	})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	id := *run.Instances[0].InstanceId
	if err := ec2.NewInstanceRunningWaiter(ec2c, fastEC2Running).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second); err != nil {
		t.Fatalf("instance never running: %v", err)
	}

	role, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("e2e-role"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	policy := provision.ControlPolicy(provision.Config{Region: emulatortest.Region, FunctionName: "e2e-ec2control"}, "000000000000")
	if _, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role.Role.RoleName, PolicyName: aws.String("control"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatalf("PutRolePolicy: %v", err)
	}
	fn, err := lambdac.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("e2e-ec2control"),
		Runtime:      lambdatypes.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Role:         role.Role.Arn,
		Code:         &lambdatypes.FunctionCode{ZipFile: code},
		Timeout:      aws.Int32(10),
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if err := lambda.NewFunctionActiveV2Waiter(lambdac, fastLambdaActive).Wait(ctx, &lambda.GetFunctionInput{FunctionName: fn.FunctionName}, 10*time.Second); err != nil {
		t.Fatalf("function never active: %v", err)
	}

	api, err := apigw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("e2e-api")})
	if err != nil {
		t.Fatalf("CreateRestApi: %v", err)
	}
	res, err := apigw.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("GetResources: %v (%d items)", err, len(res.Items))
	}
	proxy, err := apigw.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: res.Items[0].Id, PathPart: aws.String("{proxy+}")})
	if err != nil {
		t.Fatalf("CreateResource: %v", err)
	}
	if _, err := apigw.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatalf("PutMethod: %v", err)
	}
	uri := fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", emulatortest.Region, *fn.FunctionArn)
	if _, err := apigw.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: proxy.Id, HttpMethod: aws.String("ANY"), Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(uri)}); err != nil {
		t.Fatalf("PutIntegration: %v", err)
	}
	if _, err := lambdac.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: fn.FunctionName, StatementId: aws.String("apigw"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")}); err != nil {
		t.Fatalf("AddPermission: %v", err)
	}
	if _, err := apigw.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}

	base := srv.URL()
	host := strings.TrimPrefix(base, "http://")
	forms := []struct {
		name   string
		url    func(route string) string
		host   string
		action string
		want   string
	}{
		{"_user_request_ form stops", func(r string) string { return base + "/restapis/" + *api.Id + "/prod/_user_request_/" + r }, "", "stop", "stopping"},
		{"_aws/execute-api form reports", func(r string) string { return base + "/_aws/execute-api/" + *api.Id + "/prod/" + r }, "", "status", "stopped"},
		{"execute-api host form starts", func(r string) string { return base + "/prod/" + r }, *api.Id + ".execute-api.localhost.localstack.cloud:" + strings.Split(host, ":")[1], "start", "pending"},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			code, body := get(t, f.url(f.action+"?id="+id), f.host)
			if code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", code, body)
			}
			var out struct{ State, Stage, Resource, Endpoint, Error string }
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("reply %q: %v", body, err)
			}
			if out.State != f.want || out.Stage != "prod" || out.Resource != "/{proxy+}" || out.Endpoint != base {
				t.Fatalf("reply %+v, want state %q via stage prod, resource /{proxy+}, endpoint %s", out, f.want, base)
			}
			if f.action == "stop" {
				if err := ec2.NewInstanceStoppedWaiter(ec2c, fastEC2Stopped).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second); err != nil {
					t.Fatalf("instance never stopped: %v", err)
				}
			}
		})
	}
	if err := ec2.NewInstanceRunningWaiter(ec2c, fastEC2Running).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second); err != nil {
		t.Fatalf("instance not running again after /start: %v", err)
	}

	t.Run("missing stage is 404", func(t *testing.T) {
		if code, body := get(t, base+"/_aws/execute-api/"+*api.Id+"/nostage/status", ""); code != http.StatusNotFound {
			t.Fatalf("HTTP %d: %s", code, body)
		}
	})
}

func get(t *testing.T, url, host string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// The SDK waiters default to a 15 s first delay; against the emulator a
// short poll keeps the test quick while still really waiting.
func fastEC2Running(o *ec2.InstanceRunningWaiterOptions) {
	o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
}

func fastEC2Stopped(o *ec2.InstanceStoppedWaiterOptions) {
	o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
}

func fastLambdaActive(o *lambda.FunctionActiveV2WaiterOptions) {
	o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
}
