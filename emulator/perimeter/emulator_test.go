package perimeter_test

// The perimeter proven against the real emulator, through net/http and
// aws-sdk-go-v2: what a web page of another origin, a rebound DNS name, a
// visitor of the public port and an unsigned remote caller can do.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/cli"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/perimeter"
)

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func withPublicPort(c *emulator.Config) { c.PublicAddr = "127.0.0.1:0" }

// send makes one request with net/http and returns its status and body.
func send(t *testing.T, method, u, host, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(emulatortest.Context(t), method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func createRoleForm(name string) string {
	return url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {name}, "AssumeRolePolicyDocument": {trust}}.Encode()
}

// roleExists asks IAM through the SDK, as the user would.
func roleExists(t *testing.T, endpoint, name string) bool {
	t.Helper()
	_, err := iam.NewFromConfig(emulatortest.AWSConfig(t, endpoint)).GetRole(emulatortest.Context(t), &iam.GetRoleInput{RoleName: aws.String(name)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchEntity" {
		return false
	}
	if err != nil {
		t.Fatalf("GetRole %s: %v", name, err)
	}
	return true
}

// TestCrossOriginRequestsRefused: a page of another origin can neither
// create a role with a form POST nor a function with a text/plain body,
// while the same requests without an Origin (a CLI) work.
func TestCrossOriginRequestsRefused(t *testing.T) {
	srv := emulatortest.Start(t)
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"}
	code, body := send(t, "POST", srv.URL()+"/", "", createRoleForm("csrf-role"), formHeader)
	if code != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "-extra-cors-allowed-origins") {
		t.Fatalf("cross-origin form POST: %d %s", code, body)
	}
	if roleExists(t, srv.URL(), "csrf-role") {
		t.Fatal("the cross-origin form POST created a role")
	}
	fn := `{"FunctionName":"csrf-fn","Runtime":"provided.al2023","Role":"arn:aws:iam::000000000000:role/x","Handler":"bootstrap","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}`
	code, body = send(t, "POST", srv.URL()+"/2015-03-31/functions", "", fn, map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"})
	if code != http.StatusForbidden || !strings.Contains(body, `"__type":"AccessDenied"`) {
		t.Fatalf("cross-origin text/plain CreateFunction: %d %s", code, body)
	}
	code, body = send(t, "POST", srv.URL()+"/", "", createRoleForm("cli-role"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if code != http.StatusOK || !roleExists(t, srv.URL(), "cli-role") {
		t.Fatalf("the same form POST without Origin: %d %s", code, body)
	}
}

// TestHostRebindingRefused: a page whose name was rebound to 127.0.0.1
// sends its own Host; the AWS APIs refuse it, saying how to accept it.
func TestHostRebindingRefused(t *testing.T) {
	srv := emulatortest.Start(t)
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL(), "http://"), ":")
	header := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	code, body := send(t, "POST", srv.URL()+"/", "rebind.evil.example:"+port, createRoleForm("rebound"), header)
	if code != http.StatusForbidden || !strings.Contains(body, "not a local name") || !strings.Contains(body, "AWSEMU_EXTRA_ALLOWED_HOSTS=rebind.evil.example") {
		t.Fatalf("rebound Host: %d %s", code, body)
	}
	if roleExists(t, srv.URL(), "rebound") {
		t.Fatal("a request for a rebound Host created a role")
	}
	code, body = send(t, "POST", srv.URL()+"/", "localhost.localstack.cloud:"+port, createRoleForm("local-name"), header)
	if code != http.StatusOK {
		t.Fatalf("LocalStack's local name: %d %s", code, body)
	}
}

// deployMock deploys a MOCK GET / to stage prod and returns the API id.
func deployMock(t *testing.T, endpoint string) string {
	t.Helper()
	ctx := emulatortest.Context(t)
	c := apigateway.NewFromConfig(emulatortest.AWSConfig(t, endpoint))
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("public-test")})
	if err != nil {
		t.Fatal(err)
	}
	root := api.RootResourceId
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: root, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: root, HttpMethod: aws.String("GET"), Type: "MOCK",
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: root, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: root, HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		ResponseTemplates: map[string]string{"application/json": `{"mock": true}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(api.Id)
}

// TestPublicPortServesOnlyStageURLs: the public port answers the stage
// URLs in their three forms, from any Host and Origin, and its health;
// every AWS API is refused there, through net/http and through the SDK.
func TestPublicPortServesOnlyStageURLs(t *testing.T) {
	srv := emulatortest.Start(t, withPublicPort)
	if srv.PublicURL() == "" || srv.PublicURL() == srv.URL() {
		t.Fatalf("public URL %q beside %q", srv.PublicURL(), srv.URL())
	}
	id := deployMock(t, srv.URL())
	pub := srv.PublicURL()
	anywhere := map[string]string{"Origin": "https://anyone.example"}
	for _, tt := range []struct{ name, path, host string }{
		{"aws form", "/_aws/execute-api/" + id + "/prod/", "fluffy-4567.app.github.dev"},
		{"user request form", "/restapis/" + id + "/prod/_user_request_/", "203.0.113.7"},
		{"host form", "/prod/", id + ".execute-api.localhost.localstack.cloud"},
	} {
		if code, body := send(t, "GET", pub+tt.path, tt.host, "", anywhere); code != http.StatusOK || !strings.Contains(body, `"mock": true`) {
			t.Errorf("stage URL, %s, on the public port: %d %s", tt.name, code, body)
		}
	}
	// On the control port's origin a path-form stage answer runs sandboxed
	// (an opaque origin the control plane refuses); elsewhere it is as sent.
	for _, tt := range []struct {
		name, url, host string
		sandboxed       bool
	}{
		{"path form, control port", srv.URL() + "/_aws/execute-api/" + id + "/prod/", "", true},
		{"user request form, control port", srv.URL() + "/restapis/" + id + "/prod/_user_request_/", "", true},
		{"host form, control port", srv.URL() + "/prod/", id + ".execute-api.localhost.localstack.cloud", false},
		{"path form, public port", pub + "/_aws/execute-api/" + id + "/prod/", "", false},
	} {
		resp := do(t, "GET", tt.url, tt.host)
		if csp := resp.Header.Get("Content-Security-Policy"); strings.HasPrefix(csp, "sandbox") != tt.sandboxed || resp.StatusCode != http.StatusOK {
			t.Errorf("%s: HTTP %d, Content-Security-Policy %q, want sandboxed %v", tt.name, resp.StatusCode, csp, tt.sandboxed)
		}
	}
	if code, body := send(t, "GET", pub+"/_localstack/health", "", "", nil); code != http.StatusOK || !strings.Contains(body, `"services"`) {
		t.Errorf("health on the public port: %d %s", code, body)
	}
	for _, tt := range []struct{ method, path, body, ct string }{
		{"POST", "/", createRoleForm("via-public"), "application/x-www-form-urlencoded"},
		{"GET", "/?Action=ListRoles&Version=2010-05-08", "", ""},
		{"GET", "/2015-03-31/functions", "", ""},
		{"POST", "/restapis", `{"name":"x"}`, "application/json"},
		{"GET", "/restapis/" + id + "/resources", "", ""},
		{"GET", "/_localstack/info", "", ""},
	} {
		code, body := send(t, tt.method, pub+tt.path, "", tt.body, map[string]string{"Content-Type": tt.ct})
		if code != http.StatusForbidden || !strings.Contains(body, "only deployed APIs' stage URLs") {
			t.Errorf("%s %s on the public port: %d %s", tt.method, tt.path, code, body)
		}
	}
	if roleExists(t, srv.URL(), "via-public") {
		t.Fatal("the public port created a role")
	}
	// Under a stage Host every path is the API's: the emulator's own
	// /_localstack/info (its function user, its IAM mode) is out of reach,
	// on the public port and on the private one (DNS rebinding).
	stageHost := "anything.execute-api.rebind.example"
	for _, base := range []string{pub, srv.URL()} {
		if code, body := send(t, "GET", base+"/_localstack/info", stageHost, "", nil); code == http.StatusOK || strings.Contains(body, "function_user") {
			t.Errorf("/_localstack/info under a stage Host at %s: %d %s", base, code, body)
		}
	}
	_, err := iam.NewFromConfig(emulatortest.AWSConfig(t, pub)).ListRoles(emulatortest.Context(t), &iam.ListRolesInput{})
	var respErr interface{ HTTPStatusCode() int }
	if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != http.StatusForbidden {
		t.Fatalf("SDK ListRoles on the public port: %v, want HTTP 403", err)
	}
}

// TestRemoteListenNeedsOptIn: every interface without -allow-remote is
// refused, by the library and by the awsemu command, with the way out.
func TestRemoteListenNeedsOptIn(t *testing.T) {
	_, err := emulator.Start(emulator.Config{Addr: "0.0.0.0:0"})
	if !errors.Is(err, perimeter.ErrRemoteNotAllowed) {
		t.Fatalf("Start on 0.0.0.0: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Setenv(perimeter.EnvAllowRemote, "")
	var stdout, stderr strings.Builder
	err = cli.Run(ctx, []string{"-addr", "0.0.0.0:0"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "refusing to listen on 0.0.0.0:0") || !strings.Contains(err.Error(), "-allow-remote") ||
		!strings.Contains(err.Error(), "127.0.0.1:0") || strings.Contains(stdout.String(), "ready") {
		t.Fatalf("awsemu -addr 0.0.0.0:0: %v\n%s", err, stdout.String())
	}
	// The opt-in alone is not enough: signatures need credentials.
	_, err = emulator.Start(emulator.Config{Addr: "0.0.0.0:0", AllowRemote: true})
	if err == nil || !strings.Contains(err.Error(), "AWSEMU_CREDENTIALS=<access key id>:<secret access key>") {
		t.Fatalf("Start on 0.0.0.0 with -allow-remote and no verifier: %v", err)
	}
}

// TestRemoteRequiresSignatures: with remote access, only calls signed with
// the configured credentials (or a function sandbox's) pass, through the
// SDK; the public test/test, a wrong secret and unsigned calls are refused.
// The listener stays on loopback: Remote asks for the same checks.
func TestRemoteRequiresSignatures(t *testing.T) {
	const akid, secret = "AKIAREMOTETEST000001", "remote-secret-of-forty-characters-000001"
	code := lambdatest.BuildFunction(t, lambdatest.Probe) // before the calls' context starts: slow on a loaded machine
	srv := emulatortest.Start(t, func(c *emulator.Config) {
		c.Perimeter.Remote = true
		c.Credentials = map[string]string{akid: secret}
	})
	signedAs := func(id, key string) aws.Config {
		cfg := emulatortest.AWSConfig(t, srv.URL())
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, key, "")
		return cfg
	}
	ctx := emulatortest.Context(t)
	if _, err := iam.NewFromConfig(signedAs(akid, secret)).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatalf("signed with the configured credentials: %v", err)
	}
	for _, tt := range []struct{ name, id, key, code string }{
		{"LocalStack's public test credentials", "test", "test", "InvalidClientTokenId"},
		{"unknown credentials", "AKIAUNKNOWN000000000", secret, "InvalidClientTokenId"},
		{"wrong secret", akid, "guessed-secret-0000000", "SignatureDoesNotMatch"},
	} {
		_, err := iam.NewFromConfig(signedAs(tt.id, tt.key)).ListRoles(ctx, &iam.ListRolesInput{})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	status, body := send(t, "GET", srv.URL()+"/?Action=ListRoles&Version=2010-05-08", "", "", nil)
	if status != http.StatusForbidden || !strings.Contains(body, "MissingAuthenticationToken") || !strings.Contains(body, "-allow-remote") {
		t.Fatalf("unsigned: %d %s", status, body)
	}

	// A function calls EC2 back with its sandbox's credentials: accepted.
	cfg := signedAs(akid, secret)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("remote-fn"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(cfg).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("remote-fn"), PolicyName: aws.String("ec2"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("remote-fn"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Role: role.Role.Arn, Code: &types.FunctionCode{ZipFile: code}}); err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(lambdatest.ProbeCommand{EC2: &lambdatest.ProbeEC2Command{}})
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("remote-fn"), Payload: payload})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("a function's call back to EC2 under remote access: %v %s", err, out.Payload)
	}
}

// TestRemoteCredentialsMustBeSecret: guessable credentials are refused.
func TestRemoteCredentialsMustBeSecret(t *testing.T) {
	for _, creds := range []map[string]string{{"AKIAREMOTETEST000001": "short"}, {"test": "a-long-enough-secret-0001"}} {
		if _, err := emulator.New(emulator.Config{Credentials: creds}); err == nil || !strings.Contains(err.Error(), "at least 16 characters") {
			t.Errorf("credentials %v: %v", creds, err)
		}
	}
}

// do sends a bodiless request with an optional Host and returns the
// response, its body read and closed.
func do(t *testing.T, method, url, host string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
