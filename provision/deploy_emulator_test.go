package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

// call requests url and decodes the JSON object it answers.
func callURL(t *testing.T, method, url string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%s %s: %d, body not a JSON object: %s", method, url, resp.StatusCode, body)
	}
	return resp.StatusCode, got
}

// waitState polls /status until it reports want (deadline and backoff).
func waitState(t *testing.T, url, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := retry.WithCappedDuration(time.Second, retry.NewExponential(20*time.Millisecond))
	last := ""
	err := retry.Do(ctx, b, func(context.Context) error {
		code, got := callURL(t, http.MethodGet, url)
		if code != http.StatusOK {
			return fmt.Errorf("status answered %d: %v", code, got)
		}
		if last = got["state"]; last != want {
			return retry.RetryableError(fmt.Errorf("state %s", last))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("state never became %s (last %q): %v", want, last, err)
	}
}

func hostArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// The whole product flow on the embedded emulator: deploy, then the three
// routes over HTTP through API Gateway and the real function, then clean.
// Strict IAM is on: deploy and clean sign as the root, and the function's
// calls are held to the role policy deploy writes, which must be enough.
func TestDeployRoutesCleanOnEmulator(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.WithEnforceIAM())
	c := provision.NewClients(emulatortest.AWSConfig(t, srv.URL()))
	ctx := testContext(t)
	cfg := provision.Config{
		Backend: provision.BackendEmbedded, Endpoint: srv.URL(),
		Code: functionZipFor(t, runtime.GOOS, runtime.GOARCH), Architecture: hostArch(),
	}
	out, err := provision.Deploy(ctx, c, cfg, status.Discard())
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}

	code, got := callURL(t, http.MethodGet, out.URLs.Status)
	if code != 200 || got["instanceId"] != out.InstanceID || got["state"] != "running" {
		t.Fatalf("GET status = %d %v", code, got)
	}
	code, got = callURL(t, http.MethodGet, out.URLs.Stop)
	if code != 200 || got["previousState"] != "running" || got["instanceId"] != out.InstanceID {
		t.Fatalf("GET stop = %d %v", code, got)
	}
	waitState(t, out.URLs.Status, "stopped")
	if st, err := provision.InstanceState(ctx, c, out.InstanceID); err != nil || st != "stopped" {
		t.Errorf("InstanceState = %q, %v; want stopped", st, err)
	}
	code, got = callURL(t, http.MethodPost, out.URLs.Stop)
	if code != 200 || got["previousState"] != "stopped" || got["currentState"] != "stopped" {
		t.Errorf("second stop = %d %v, want stopped/stopped", code, got)
	}
	code, got = callURL(t, http.MethodPost, out.URLs.Start)
	if code != 200 || got["previousState"] != "stopped" {
		t.Fatalf("POST start = %d %v", code, got)
	}
	waitState(t, out.URLs.Status, "running")

	// Every request reaches the function: unknown paths get its JSON 404,
	// other methods its 405, never API Gateway's bare 403.
	base := strings.TrimSuffix(out.URLs.Status, "status")
	for _, tc := range []struct {
		method, url string
		want        int
	}{
		{http.MethodGet, base + "nope", http.StatusNotFound},
		{http.MethodGet, base + "a/b/c", http.StatusNotFound},
		{http.MethodGet, strings.TrimSuffix(base, "/"), http.StatusNotFound},
		{http.MethodDelete, out.URLs.Stop, http.StatusMethodNotAllowed},
	} {
		if code, got := callURL(t, tc.method, tc.url); code != tc.want || got["error"] == "" {
			t.Errorf("%s %s = %d %v, want %d with a JSON error", tc.method, tc.url, code, got, tc.want)
		}
	}

	// Someone locks GET /status behind the back: the next deploy puts it
	// back to open, so the URLs keep answering.
	statusID := resourceID(t, ctx, c, out.RestAPIID, "/status")
	if _, err := c.APIGateway.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: &out.RestAPIID, ResourceId: &statusID, HttpMethod: aws.String("GET"),
		PatchOperations: []apitypes.PatchOperation{
			{Op: apitypes.OpReplace, Path: aws.String("/apiKeyRequired"), Value: aws.String("true")},
			{Op: apitypes.OpReplace, Path: aws.String("/authorizationType"), Value: aws.String("AWS_IAM")},
		}}); err != nil {
		t.Fatalf("UpdateMethod: %v", err)
	}

	again, err := provision.Deploy(ctx, c, cfg, status.Discard())
	if err != nil || *again != *out {
		t.Fatalf("second Deploy = %+v, %v; want %+v", again, err, out)
	}
	code, _ = callURL(t, http.MethodGet, again.URLs.Status)
	if code != 200 {
		t.Errorf("status after redeploy = %d", code)
	}
	m, err := c.APIGateway.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &out.RestAPIID, ResourceId: &statusID, HttpMethod: aws.String("GET")})
	if err != nil || aws.ToBool(m.ApiKeyRequired) || aws.ToString(m.AuthorizationType) != "NONE" {
		t.Errorf("GET /status after redeploy = %+v, %v; want no API key and authorization NONE", m, err)
	}
	inv := inventory(t, ctx, c)
	if len(inv.instances) != 1 || len(inv.apis) != 1 || inv.function == nil || !inv.role {
		t.Fatalf("after two deploys: %+v", inv)
	}

	removed, err := provision.Clean(ctx, c, cfg, status.Discard())
	if err != nil || len(removed) < 4 {
		t.Fatalf("Clean = %q, %v", removed, err)
	}
	inv = inventory(t, ctx, c)
	if len(inv.instances) != 0 || len(inv.apis) != 0 || inv.function != nil || inv.role {
		t.Errorf("left after Clean: %+v", inv)
	}
	if removed, err := provision.Clean(ctx, c, cfg, status.Discard()); err != nil || len(removed) != 0 {
		t.Errorf("second Clean = %q, %v", removed, err)
	}
}

// TestDeployRepairsFailedFunction: the emulator finds at start that the
// function's stored code no longer matches its digest and reports the
// function Failed; Deploy uploads the code again and the routes answer.
func TestDeployRepairsFailedFunction(t *testing.T) {
	dir := t.TempDir()
	srv := emulatortest.Start(t, emulatortest.WithDataDir(dir))
	ctx := testContext(t)
	cfg := provision.Config{
		Backend: provision.BackendEmbedded, Endpoint: srv.URL(),
		Code: functionZipFor(t, runtime.GOOS, runtime.GOARCH), Architecture: hostArch(),
	}
	if _, err := provision.Deploy(ctx, provision.NewClients(emulatortest.AWSConfig(t, srv.URL())), cfg, status.Discard()); err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	zips, err := filepath.Glob(filepath.Join(dir, "lambda", "code", "*", "*", "*.zip"))
	if err != nil || len(zips) != 1 {
		t.Fatalf("stored code: %v, %v; want one zip", zips, err)
	}
	if err := os.WriteFile(zips[0], []byte("not the zip that was uploaded"), 0o644); err != nil {
		t.Fatal(err)
	}

	srv = emulatortest.Start(t, emulatortest.WithDataDir(dir))
	c := provision.NewClients(emulatortest.AWSConfig(t, srv.URL()))
	cfg.Endpoint = srv.URL()
	got, err := c.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(provision.DefaultFunctionName)})
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	if got.Configuration.State != lambdatypes.StateFailed || got.Configuration.StateReasonCode != lambdatypes.StateReasonCodeInvalidZipFileException {
		t.Fatalf("function with corrupt code: %s %s (%s), want Failed InvalidZipFileException",
			got.Configuration.State, got.Configuration.StateReasonCode, aws.ToString(got.Configuration.StateReason))
	}

	var out bytes.Buffer
	deployed, err := provision.Deploy(ctx, c, cfg, status.New(&out))
	if err != nil {
		t.Fatalf("Deploy of a Failed function: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "re-uploaded") {
		t.Errorf("Deploy should say it re-uploaded the code:\n%s", out.String())
	}
	if code, got := callURL(t, http.MethodGet, deployed.URLs.Status); code != 200 || got["state"] == "" {
		t.Fatalf("GET status after the repair = %d %v", code, got)
	}
}

// resourceID is the id of the resource at path in the REST API.
func resourceID(t *testing.T, ctx context.Context, c provision.Clients, apiID, path string) string {
	t.Helper()
	res, err := c.APIGateway.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: &apiID, Limit: aws.Int32(500)})
	if err != nil {
		t.Fatalf("GetResources: %v", err)
	}
	for _, r := range res.Items {
		if aws.ToString(r.Path) == path {
			return aws.ToString(r.Id)
		}
	}
	t.Fatalf("no resource %s in rest api %s", path, apiID)
	return ""
}
