package provision_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
	"github.com/apidriven/api-driven/provision/mototest"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// resources is what exists in the account, counted the way a user would.
type resources struct {
	instances []string // live, tagged
	apis      []string // named apidriven-api
	function  *lambda.GetFunctionOutput
	role      bool
}

func inventory(t *testing.T, ctx context.Context, c provision.Clients) resources {
	t.Helper()
	var r resources
	out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:Project"), Values: []string{"api-driven"}},
	}})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	for _, res := range out.Reservations {
		for _, in := range res.Instances {
			if s := in.State.Name; s != ec2types.InstanceStateNameTerminated && s != ec2types.InstanceStateNameShuttingDown {
				r.instances = append(r.instances, aws.ToString(in.InstanceId))
			}
		}
	}
	apis, err := c.APIGateway.GetRestApis(ctx, &apigateway.GetRestApisInput{})
	if err != nil {
		t.Fatalf("GetRestApis: %v", err)
	}
	for _, a := range apis.Items {
		if aws.ToString(a.Name) == provision.DefaultAPIName {
			r.apis = append(r.apis, aws.ToString(a.Id))
		}
	}
	fn, err := c.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(provision.DefaultFunctionName)})
	if err != nil && !isCode(err, "ResourceNotFoundException") {
		t.Fatalf("GetFunction: %v", err)
	}
	r.function = fn
	_, err = c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(provision.DefaultRoleName)})
	if err != nil && !isCode(err, "NoSuchEntity") {
		t.Fatalf("GetRole: %v", err)
	}
	r.role = err == nil
	return r
}

func isCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

// Deploy and Clean against moto_server: proof that provisioning speaks
// AWS, not just our emulator; twice each, for idempotency.
func TestDeployCleanAgainstMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	c := provision.NewClients(mototest.AWSConfig(t, endpoint))
	ctx := testContext(t)
	code := functionZip(t)
	cfg := provision.Config{Backend: provision.BackendOther, Endpoint: endpoint, Code: code}

	var log1 bytes.Buffer
	out1, err := provision.Deploy(ctx, c, cfg, status.New(&log1))
	if err != nil {
		t.Fatalf("first Deploy: %v\n%s", err, log1.String())
	}
	t.Logf("first deploy:\n%s", log1.String())
	if out1.InstanceID == "" || out1.RestAPIID == "" || out1.FunctionName != "apidriven-ec2" || out1.Stage != "prod" || out1.Region != "us-east-1" {
		t.Fatalf("outputs %+v", out1)
	}
	wantStatus := endpoint + "/_aws/execute-api/" + out1.RestAPIID + "/prod/status"
	if out1.URLs.Status != wantStatus {
		t.Errorf("status URL %q, want %q", out1.URLs.Status, wantStatus)
	}
	checkDeployed(t, ctx, c, out1)

	var log2 bytes.Buffer
	out2, err := provision.Deploy(ctx, c, cfg, status.New(&log2))
	if err != nil {
		t.Fatalf("second Deploy: %v\n%s", err, log2.String())
	}
	t.Logf("second deploy:\n%s", log2.String())
	if *out2 != *out1 {
		t.Errorf("second Deploy outputs %+v, want %+v", out2, out1)
	}
	if !strings.Contains(log2.String(), "lambda function apidriven-ec2 active (") {
		t.Errorf("second Deploy changed the function:\n%s", log2.String())
	}
	inv := inventory(t, ctx, c)
	if len(inv.instances) != 1 || len(inv.apis) != 1 || inv.function == nil || !inv.role {
		t.Fatalf("after two deploys: %d instances, %d apis, function %v, role %v; want one of each",
			len(inv.instances), len(inv.apis), inv.function != nil, inv.role)
	}

	// New code → UpdateFunctionCode, nothing else duplicated.
	exe := readBootstrap(t, code)
	code2, err := zipFiles(map[string][]byte{"bootstrap": exe, "VERSION": []byte("2")})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Code = code2
	var log3 bytes.Buffer
	if _, err := provision.Deploy(ctx, c, cfg, status.New(&log3)); err != nil {
		t.Fatalf("Deploy with new code: %v\n%s", err, log3.String())
	}
	if !strings.Contains(log3.String(), "code updated") {
		t.Errorf("new code not reported as updated:\n%s", log3.String())
	}
	if fn := inventory(t, ctx, c).function; fn == nil || aws.ToString(fn.Configuration.CodeSha256) != sha256b64(code2) {
		t.Errorf("function code not updated")
	}

	// Someone else's extra tagged instance is adopted by nobody and kept.
	run, err := c.EC2.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String(imageOf(t, ctx, c, out1.InstanceID)), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: []ec2types.Tag{{Key: aws.String("Project"), Value: aws.String("api-driven")}}}},
	})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	extra := aws.ToString(run.Instances[0].InstanceId)
	var log4 bytes.Buffer
	out4, err := provision.Deploy(ctx, c, cfg, status.New(&log4))
	if err != nil {
		t.Fatalf("Deploy with two tagged instances: %v", err)
	}
	t.Logf("deploy with an extra tagged instance:\n%s", log4.String())
	if other := map[string]string{out1.InstanceID: extra, extra: out1.InstanceID}[out4.InstanceID]; other == "" ||
		!strings.Contains(log4.String(), "also tagged Project=api-driven: "+other) {
		t.Errorf("Deploy chose %s and should report the other of %s/%s:\n%s", out4.InstanceID, out1.InstanceID, extra, log4.String())
	}
	if n := len(inventory(t, ctx, c).instances); n != 2 {
		t.Errorf("%d tagged instances after Deploy, want both kept", n)
	}

	// On AWS, Lambda creates the function's log group itself; clean must
	// take it too.
	if _, err := c.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/apidriven-ec2")}); err != nil {
		t.Fatalf("CreateLogGroup: %v", err)
	}
	removed, err := provision.Clean(ctx, c, cfg, status.Discard())
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	groups, err := c.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/apidriven-ec2")})
	if err != nil || len(groups.LogGroups) != 0 {
		t.Errorf("log groups after Clean: %v, %v", groups, err)
	}
	for _, want := range []string{"log group /aws/lambda/apidriven-ec2", "rest api apidriven-api (" + out1.RestAPIID + ")", "lambda function apidriven-ec2",
		"iam role apidriven-lambda-role", "ec2 instance " + out1.InstanceID, "ec2 instance " + extra} {
		if !contains(removed, want) {
			t.Errorf("Clean removed %q, missing %q", removed, want)
		}
	}
	inv = inventory(t, ctx, c)
	if len(inv.instances) != 0 || len(inv.apis) != 0 || inv.function != nil || inv.role {
		t.Errorf("left after Clean: %+v", inv)
	}

	removed, err = provision.Clean(ctx, c, cfg, status.Discard())
	if err != nil || len(removed) != 0 {
		t.Errorf("second Clean = %q, %v; want nothing removed and no error", removed, err)
	}
}

func checkDeployed(t *testing.T, ctx context.Context, c provision.Clients, out *provision.Outputs) {
	t.Helper()
	inv := inventory(t, ctx, c)
	if len(inv.instances) != 1 || inv.instances[0] != out.InstanceID {
		t.Errorf("tagged instances %v, want [%s]", inv.instances, out.InstanceID)
	}
	if inv.function == nil {
		t.Fatal("function missing")
	}
	conf := inv.function.Configuration
	env := conf.Environment.Variables
	if env["INSTANCE_ID"] != out.InstanceID || env["TAG_KEY"] != "Project" || env["TAG_VALUE"] != "api-driven" {
		t.Errorf("function environment %v", env)
	}
	if conf.Runtime != "provided.al2023" || aws.ToString(conf.Handler) != "bootstrap" || aws.ToInt32(conf.Timeout) != 15 {
		t.Errorf("function runtime %s handler %s timeout %d", conf.Runtime, aws.ToString(conf.Handler), aws.ToInt32(conf.Timeout))
	}
	res, err := c.APIGateway.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: &out.RestAPIID})
	if err != nil {
		t.Fatalf("GetResources: %v", err)
	}
	paths := map[string]string{}
	for _, r := range res.Items {
		paths[aws.ToString(r.Path)] = aws.ToString(r.Id)
	}
	wantMethods := map[string][]string{
		"/start": {"GET", "POST", "ANY"}, "/stop": {"GET", "POST", "ANY"}, "/status": {"GET", "POST", "ANY"},
		"/": {"ANY"}, "/{proxy+}": {"ANY"},
	}
	for route, methods := range wantMethods {
		for _, m := range methods {
			in, err := c.APIGateway.GetIntegration(ctx, &apigateway.GetIntegrationInput{
				RestApiId: &out.RestAPIID, ResourceId: aws.String(paths[route]), HttpMethod: aws.String(m)})
			if err != nil {
				t.Errorf("%s %s: %v", m, route, err)
				continue
			}
			if in.Type != "AWS_PROXY" || !strings.HasSuffix(aws.ToString(in.Uri), aws.ToString(conf.FunctionArn)+"/invocations") {
				t.Errorf("%s %s integration %s %s", m, route, in.Type, aws.ToString(in.Uri))
			}
		}
	}
	pol, err := c.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(out.FunctionName)})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), "apigateway.amazonaws.com") ||
		!strings.Contains(aws.ToString(pol.Policy), out.RestAPIID+"/*/*/*") {
		t.Errorf("function policy %v, %v", pol, err)
	}
	rp, err := c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("apidriven-lambda-role"), PolicyName: aws.String("apidriven-ec2-control")})
	if err != nil {
		t.Fatalf("GetRolePolicy: %v", err)
	}
	doc, err := url.QueryUnescape(aws.ToString(rp.PolicyDocument))
	if err != nil || !strings.Contains(doc, `"ec2:StopInstances"`) || !strings.Contains(doc, `"aws:ResourceTag/Project":"api-driven"`) {
		t.Errorf("role policy %s, %v", doc, err)
	}
}

func imageOf(t *testing.T, ctx context.Context, c provision.Clients, id string) string {
	out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	return aws.ToString(out.Reservations[0].Instances[0].ImageId)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
