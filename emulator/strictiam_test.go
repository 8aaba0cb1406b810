package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// awsIAMAPI deploys an API whose GET /private is AWS_IAM (MOCK) and
// returns the method's execute URL.
func awsIAMAPI(t *testing.T, ctx context.Context, cfg aws.Config, base string) string {
	t.Helper()
	c := apigateway.NewFromConfig(cfg)
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("iam-api")})
	if err != nil {
		t.Fatalf("CreateRestApi: %v", err)
	}
	res, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("private")})
	if err != nil {
		t.Fatalf("CreateResource: %v", err)
	}
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("AWS_IAM")}); err != nil {
		t.Fatalf("PutMethod: %v", err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), Type: "MOCK",
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatalf("PutIntegration: %v", err)
	}
	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatalf("PutMethodResponse: %v", err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		ResponseTemplates: map[string]string{"application/json": `{"private": true}`}}); err != nil {
		t.Fatalf("PutIntegrationResponse: %v", err)
	}
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	return base + "/_aws/execute-api/" + aws.ToString(api.Id) + "/prod/private"
}

// execute calls url, signed with creds for execute-api when given.
func execute(t *testing.T, url string, creds *aws.Credentials) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if creds != nil {
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), string(body)
}

func TestAWSIAMMethodsVerifyTheCaller(t *testing.T) {
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	url := awsIAMAPI(t, ctx, cfg, srv.URL())
	noInvoke, err := srv.Credentials().IssueRoleSession("arn:aws:iam::000000000000:role/none", "AROANONE", "fn", time.Hour, &auth.Sandbox{ID: "sb-test"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		creds    *aws.Credentials
		status   int
		errType  string
		inBody   string
		wantBody string
	}{
		{"unsigned", nil, 403, "MissingAuthenticationTokenException", "", `{"message":"Missing Authentication Token"}`},
		{"signed with test/test", &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, 200, "", "", `{"private": true}`},
		{"wrong secret", &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "nope"}, 403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided", ""},
		{"unknown key", &aws.Credentials{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}, 403, "UnrecognizedClientException", "The security token included in the request is invalid.", ""},
		{"role without execute-api:Invoke", &aws.Credentials{AccessKeyID: noInvoke.AccessKeyID, SecretAccessKey: noInvoke.SecretAccessKey, SessionToken: noInvoke.SessionToken}, 403, "AccessDeniedException", "is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, errType, body := execute(t, url, tc.creds)
			if status != tc.status || errType != tc.errType || !strings.Contains(body, tc.inBody) || (tc.wantBody != "" && strings.TrimSpace(body) != tc.wantBody) {
				t.Fatalf("HTTP %d %s %s", status, errType, body)
			}
		})
	}
	t.Run("curl --aws-sigv4, as the docs show", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("curl is not installed")
		}
		for secret, want := range map[string]string{"test": `200 {"private": true}`, "nope": "403 "} {
			out, err := exec.CommandContext(ctx, "curl", "-s", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", "test:"+secret, url+"?q=a%20b").Output()
			i := strings.LastIndexByte(string(out), '\n')
			body, code := strings.TrimSpace(string(out[:max(i, 0)])), string(out[i+1:])
			if err != nil || !strings.HasPrefix(code+" "+body, want) {
				t.Fatalf("curl with secret %q: %v: %s %s", secret, err, code, body)
			}
		}
		// Signed for another region than the API's: refused, so that the
		// method ARN a policy sees is always the API's own.
		out, err := exec.CommandContext(ctx, "curl", "-s", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:eu-west-1:execute-api", "--user", "test:test", url).Output()
		if err != nil || !strings.HasSuffix(string(out), "\n403") || !strings.Contains(string(out), "Credential should be scoped to a valid region") {
			t.Fatalf("curl signed for eu-west-1: %v: %s", err, out)
		}
	})
}

// apiCode is the AWS error code of err.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestStrictModeNeedsKnownSignedCallers(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.WithEnforceIAM())
	root := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	if _, err := iam.NewFromConfig(root).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trustPolicy)}); err != nil {
		t.Fatalf("test/test is the root and may create a role: %v", err)
	}
	if _, err := iam.NewFromConfig(root).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:Describe*","lambda:List*"],"Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	assumed, err := sts.NewFromConfig(root).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/reader"), RoleSessionName: aws.String("me")})
	if err != nil {
		t.Fatal(err)
	}
	as := func(key, secret, token string) aws.Config {
		c := root.Copy()
		c.Credentials = credentials.NewStaticCredentialsProvider(key, secret, token)
		return c
	}
	reader := as(aws.ToString(assumed.Credentials.AccessKeyId), aws.ToString(assumed.Credentials.SecretAccessKey), aws.ToString(assumed.Credentials.SessionToken))
	stranger := as("AKIASTRANGER", "whatever", "")

	checks := []struct {
		name string
		call func() error
		want string
	}{
		{"the role session may describe", func() error {
			_, err := ec2.NewFromConfig(reader).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		}, ""},
		{"the role session is who it says", func() error {
			id, err := sts.NewFromConfig(reader).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err == nil && aws.ToString(id.Arn) != "arn:aws:sts::000000000000:assumed-role/reader/me" {
				return errors.New("caller " + aws.ToString(id.Arn))
			}
			return err
		}, ""},
		{"the role session may not run instances (EC2)", func() error {
			_, err := ec2.NewFromConfig(reader).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0abcdef1234567890"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
			return err
		}, "UnauthorizedOperation"},
		{"the role session may not create roles (IAM)", func() error {
			_, err := iam.NewFromConfig(reader).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
			return err
		}, "AccessDenied"},
		{"the role session may list functions", func() error {
			_, err := lambda.NewFromConfig(reader).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, ""},
		{"the role session may not delete a function (Lambda)", func() error {
			_, err := lambda.NewFromConfig(reader).DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("f")})
			return err
		}, "AccessDeniedException"},
		{"the role session may not create an API (API Gateway)", func() error {
			_, err := apigateway.NewFromConfig(reader).CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("x")})
			return err
		}, "AccessDeniedException"},
		{"an unknown key is refused (IAM)", func() error {
			_, err := iam.NewFromConfig(stranger).ListRoles(ctx, &iam.ListRolesInput{})
			return err
		}, "InvalidClientTokenId"},
		{"an unknown key is refused (EC2)", func() error {
			_, err := ec2.NewFromConfig(stranger).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		}, "AuthFailure"},
		{"test with a wrong secret is refused (Lambda)", func() error {
			_, err := lambda.NewFromConfig(as("test", "wrong", "")).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, "InvalidSignatureException"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if got := apiCode(c.call()); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	t.Run("an unsigned call is refused", func(t *testing.T) {
		resp, err := http.Post(srv.URL()+"/", "application/x-www-form-urlencoded", bytes.NewReader([]byte("Action=ListRoles&Version=2010-05-08")))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") {
			t.Fatalf("HTTP %d: %s", resp.StatusCode, body)
		}
	})
}

func TestSoftModeLogsInsteadOfDenying(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.WithEnforceIAM(), func(c *emulator.Config) { c.IAMSoftMode = true })
	root := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	if _, err := iam.NewFromConfig(root).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("nothing"), AssumeRolePolicyDocument: aws.String(trustPolicy)}); err != nil {
		t.Fatal(err)
	}
	assumed, err := sts.NewFromConfig(root).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/nothing"), RoleSessionName: aws.String("me")})
	if err != nil {
		t.Fatal(err)
	}
	c := root.Copy()
	c.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(assumed.Credentials.AccessKeyId), aws.ToString(assumed.Credentials.SecretAccessKey), aws.ToString(assumed.Credentials.SessionToken))
	if _, err := ec2.NewFromConfig(c).DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); err != nil {
		t.Fatalf("soft mode denied a call: %v", err)
	}
}

// TestAWSIAMOnThePublicPortRefusesTestCredentials: test/test, which
// everyone knows, opens no AWS_IAM method on the public port; an IAM
// user's access key does, and test/test still does on the private port.
func TestAWSIAMOnThePublicPortRefusesTestCredentials(t *testing.T) {
	srv := emulatortest.Start(t, func(c *emulator.Config) { c.PublicAddr = "127.0.0.1:0" })
	cfg := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	private := awsIAMAPI(t, ctx, cfg, srv.URL())
	public := srv.PublicURL() + strings.TrimPrefix(private, srv.URL())
	iamc := iam.NewFromConfig(cfg)
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("caller")}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("caller")})
	if err != nil {
		t.Fatal(err)
	}
	testCreds := &aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	userCreds := &aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}
	for _, tt := range []struct {
		name   string
		url    string
		creds  *aws.Credentials
		status int
	}{
		{"test/test on the public port", public, testCreds, http.StatusForbidden},
		{"an IAM user's key on the public port", public, userCreds, http.StatusOK},
		{"test/test on the private port", private, testCreds, http.StatusOK},
	} {
		if status, errType, body := execute(t, tt.url, tt.creds); status != tt.status {
			t.Errorf("%s: HTTP %d %s %s, want %d", tt.name, status, errType, body, tt.status)
		}
	}
}
