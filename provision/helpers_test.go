package provision

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/internal/status"
)

func TestInstanceArch(t *testing.T) {
	for typ, want := range map[string]string{
		"t3.micro": "x86_64", "t4g.micro": "arm64", "c7gn.large": "arm64", "im4gn.large": "arm64",
		"a1.medium": "arm64", "g5.xlarge": "x86_64", "g5g.xlarge": "arm64", "m7i.large": "x86_64",
		"inf2.xlarge": "x86_64", "t2.nano": "x86_64",
	} {
		if got := instanceArch(typ); got != want {
			t.Errorf("instanceArch(%s) = %s, want %s", typ, got, want)
		}
	}
	if got := amiParameter("arm64"); got != "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" {
		t.Errorf("amiParameter = %s", got)
	}
}

func TestPermissionStatement(t *testing.T) {
	policy := `{"Version":"2012-10-17","Id":"default","Statement":[
	  {"Sid":"other","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction"},
	  {"Sid":"apidriven-apigateway-invoke","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},
	   "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:1:function:f",
	   "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:1:abc/*/*/*"}}}]}`
	tests := []struct {
		name, policy, has string
		found             bool
	}{
		{"present", policy, "arn:aws:execute-api:us-east-1:1:abc/*/*/*", true},
		{"only others", `{"Statement":[{"Sid":"other"}]}`, "", false},
		{"empty", "", "", false},
		{"not json", "{", "", false},
	}
	for _, tc := range tests {
		got := permissionStatement(tc.policy)
		if (got != "") != tc.found || !strings.Contains(got, tc.has) {
			t.Errorf("%s: statement %q", tc.name, got)
		}
	}
}

func TestFunctionConfig(t *testing.T) {
	cfg := Config{Env: map[string]string{"TARGET": "ec2", "INSTANCE_ID": "ignored"}}.withDefaults("us-east-1")
	env := functionEnv(cfg, "i-1")
	if env["INSTANCE_ID"] != "i-1" || env["TAG_KEY"] != "Project" || env["TAG_VALUE"] != "api-driven" || env["TARGET"] != "ec2" {
		t.Errorf("env %v", env)
	}
	if cfg.Env["INSTANCE_ID"] != "ignored" {
		t.Error("functionEnv modified the caller's map")
	}
	same := &lambdatypes.FunctionConfiguration{
		Role: aws.String("arn:role"), Timeout: aws.Int32(FunctionTimeout), Handler: aws.String("bootstrap"),
		Runtime: lambdatypes.RuntimeProvidedal2023, Environment: &lambdatypes.EnvironmentResponse{Variables: env},
	}
	tests := []struct {
		name   string
		change func(*lambdatypes.FunctionConfiguration)
		differ bool
	}{
		{"same", func(*lambdatypes.FunctionConfiguration) {}, false},
		{"role", func(c *lambdatypes.FunctionConfiguration) { c.Role = aws.String("arn:other") }, true},
		{"timeout", func(c *lambdatypes.FunctionConfiguration) { c.Timeout = aws.Int32(3) }, true},
		{"runtime", func(c *lambdatypes.FunctionConfiguration) { c.Runtime = lambdatypes.RuntimeProvidedal2 }, true},
		{"env", func(c *lambdatypes.FunctionConfiguration) {
			c.Environment = &lambdatypes.EnvironmentResponse{Variables: map[string]string{"INSTANCE_ID": "i-2"}}
		}, true},
		{"no env", func(c *lambdatypes.FunctionConfiguration) { c.Environment = nil }, true},
	}
	for _, tc := range tests {
		conf := *same
		tc.change(&conf)
		if got := configDiffers(&conf, "arn:role", env); got != tc.differ {
			t.Errorf("%s: configDiffers = %v", tc.name, got)
		}
	}
	if !archIs(nil, lambdatypes.ArchitectureX8664) || archIs(nil, lambdatypes.ArchitectureArm64) ||
		!archIs([]lambdatypes.Architecture{"arm64"}, lambdatypes.ArchitectureArm64) {
		t.Error("archIs")
	}
	// echo -n abc | openssl dgst -sha256 -binary | base64
	if got := codeSHA256([]byte("abc")); got != "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=" {
		t.Errorf("codeSHA256 = %s", got)
	}
}

func TestDefaultsAndValidate(t *testing.T) {
	cfg := Config{Code: []byte("zip")}.withDefaults("eu-west-3")
	if cfg.Region != "eu-west-3" || cfg.Stage != "prod" || cfg.FunctionName != "apidriven-ec2" || cfg.RoleName != "apidriven-lambda-role" ||
		cfg.APIName != "apidriven-api" || cfg.PolicyName != "apidriven-ec2-control" || cfg.InstanceType != "t3.micro" ||
		cfg.Architecture != "x86_64" || cfg.Timeouts.Call != 30*time.Second || cfg.Timeouts.Wait != 3*time.Minute {
		t.Errorf("defaults %+v", cfg)
	}
	if err := validate(cfg, "eu-west-3"); err != nil {
		t.Errorf("validate: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
		fix    string
	}{
		{"no code", func(c *Config) { c.Code = nil }, "mage build"},
		{"bad arch", func(c *Config) { c.Architecture = "amd64" }, "x86_64 or arm64"},
		{"no region", func(c *Config) { c.Region = "" }, "AWS_REGION"},
		{"other region than the clients", func(c *Config) { c.Region = "us-east-1" }, "same region"},
	}
	for _, tc := range tests {
		bad := cfg
		tc.change(&bad)
		if err := validate(bad, "eu-west-3"); err == nil || !strings.Contains(status.FixOf(err), tc.fix) {
			t.Errorf("%s: validate = %v (fix %q)", tc.name, err, status.FixOf(err))
		}
	}
	for arn, want := range map[string]string{
		"arn:aws:iam::1:user/x": "aws", "arn:aws-cn:sts::1:assumed-role/r/s": "aws-cn", "": "aws", "garbage": "aws",
	} {
		if got := partitionOf(arn); got != want {
			t.Errorf("partitionOf(%q) = %q", arn, got)
		}
	}
	if got := integrationURI("aws", "us-east-1", "arn:aws:lambda:us-east-1:1:function:f"); got !=
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations" {
		t.Errorf("integrationURI = %s", got)
	}
}
