package console_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/console"
	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func fetch(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(emulatortest.Context(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestConsoleEndpoints: the page and its assets are served embedded with
// a strict content security policy, the endpoints answer JSON, and a
// mistake gets a JSON 404 or 405.
func TestConsoleEndpoints(t *testing.T) {
	srv := emulatortest.Start(t)
	base := srv.URL()
	for _, tt := range []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/_apidriven", 301, "", ""},
		{"GET", console.Prefix, 200, "text/html", `<script src="assets/app.js" defer></script>`},
		{"GET", console.Prefix + "assets/app.js", 200, "text/javascript", `new EventSource("events")`},
		{"GET", console.Prefix + "assets/app.css", 200, "text/css", ".badge.stopping"},
		{"GET", console.Prefix + "traces", 200, "application/json", `"enabled":true,"capacity":1000`},
		{"GET", console.Prefix + "resources", 200, "application/json", `"instances":[]`},
		{"GET", console.Prefix + "nope", 404, "application/json", "no console endpoint at /_apidriven/nope"},
		{"POST", console.Prefix + "traces", 405, "application/json", "read-only"},
	} {
		resp, body := fetch(t, tt.method, base+tt.path)
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(body, tt.body) {
			t.Errorf("%s %s = %d %s %.200q, want %d %s containing %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.status, tt.ctype, tt.body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s %s: Content-Security-Policy %q", tt.method, tt.path, csp)
		}
	}
	if resp, _ := fetch(t, "GET", base+"/_apidriven"); resp.Header.Get("Location") != console.Prefix {
		t.Errorf("redirect to %q, want the relative %s", resp.Header.Get("Location"), console.Prefix)
	}
}

// TestResourcesShowWhatTheServicesHold: the resource browser's JSON shows
// an instance with its state, a role with its policy and a function with
// its versions and alias, read from the services.
func TestResourcesShowWhatTheServicesHold(t *testing.T) {
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	run, err := ec2.NewFromConfig(cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro, TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	iamc := iam.NewFromConfig(cfg)
	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("fn-role"), PolicyName: aws.String("ctl"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	lambdac := lambda.NewFromConfig(cfg)
	fn, err := lambdac.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("echo"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Role: aws.String("arn:aws:iam::000000000000:role/fn-role"), Publish: true,
		Code: &lambdatypes.FunctionCode{ZipFile: bootstrapZip(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lambdac.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: fn.FunctionName, Name: aws.String("live"), FunctionVersion: fn.Version}); err != nil {
		t.Fatal(err)
	}
	_, body := fetch(t, "GET", srv.URL()+console.Prefix+"resources")
	var res console.Resources
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("resources: %v\n%s", err, body)
	}
	if len(res.Instances) != 1 || res.Instances[0].ID != *run.Instances[0].InstanceId || res.Instances[0].Tags["Name"] != "web" || res.Instances[0].State == "" {
		t.Errorf("instances = %+v", res.Instances)
	}
	if len(res.Roles) != 1 || len(res.Roles[0].Policies) != 1 || !strings.Contains(string(res.Roles[0].Policies[0].Document), `"ec2:StopInstances"`) {
		t.Errorf("roles = %+v", res.Roles)
	}
	if len(res.Functions) != 1 || strings.Join(res.Functions[0].Versions, ",") != "$LATEST,1" ||
		len(res.Functions[0].Aliases) != 1 || res.Functions[0].Aliases[0].Name != "live" || res.Functions[0].Aliases[0].FunctionVersion != "1" {
		t.Errorf("functions = %+v", res.Functions)
	}
	if !res.Tracing || res.Version == "" {
		t.Errorf("tracing %v, version %q", res.Tracing, res.Version)
	}
}

// bootstrapZip is a deployment package that is never run: the resource
// browser only lists the function.
func bootstrapZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Store})
	if err == nil {
		_, err = w.Write([]byte("#!/bin/sh\nexit 1\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTracingOff: with -trace-ring 0 the endpoints say so and the event
// stream ends at once, so the page polls instead.
func TestTracingOff(t *testing.T) {
	srv := emulatortest.Start(t, func(c *emulator.Config) { c.TraceRing = -1 })
	if resp, body := fetch(t, "GET", srv.URL()+"/_aws/execute-api/nope/prod/x"); resp.StatusCode != 404 {
		t.Errorf("a stage URL with tracing off = %d %s", resp.StatusCode, body)
	}
	if _, body := fetch(t, "GET", srv.URL()+console.Prefix+"traces"); !strings.Contains(body, `"enabled":false,"capacity":0,"total":0,"traces":[]`) {
		t.Errorf("traces with tracing off = %s", body)
	}
	if resp, _ := fetch(t, "GET", srv.URL()+console.Prefix+"events"); resp.StatusCode != 200 {
		t.Errorf("events with tracing off = %d", resp.StatusCode)
	}
	if resp, body := fetch(t, "GET", srv.URL()+console.Prefix+"traces/x-1"); resp.StatusCode != 404 || !strings.Contains(body, "tracing is off") {
		t.Errorf("a trace with tracing off = %d %s", resp.StatusCode, body)
	}
}

// TestResourcesShowManagedPolicyDocuments: a customer-managed policy
// attached to a role shows its default version's document, after a new
// default version too.
func TestResourcesShowManagedPolicyDocuments(t *testing.T) {
	srv := emulatortest.Start(t)
	ctx := emulatortest.Context(t)
	iamc := iam.NewFromConfig(emulatortest.AWSConfig(t, srv.URL()))
	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	p, err := iamc.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("describe"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("ops"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	document := func() string {
		t.Helper()
		_, body := fetch(t, "GET", srv.URL()+console.Prefix+"resources")
		var res console.Resources
		if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Roles) != 1 || len(res.Roles[0].Policies) != 1 {
			t.Fatalf("resources: %v\n%s", err, body)
		}
		return string(res.Roles[0].Policies[0].Document)
	}
	if doc := document(); !strings.Contains(doc, `"ec2:DescribeInstances"`) {
		t.Errorf("managed policy document = %s", doc)
	}
	if _, err := iamc.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, SetAsDefault: true,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if doc := document(); !strings.Contains(doc, `"ec2:StopInstances"`) {
		t.Errorf("managed policy document after a new default version = %s", doc)
	}
}
