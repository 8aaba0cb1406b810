package provision_test

import (
	"bytes"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// TestUpdateCodeOnEmulator: what watch does on a save. UpdateCode leaves
// a function that runs the code already alone, uploads other code and
// returns only once the update succeeded (the emulator keeps it
// InProgress for a while, as AWS does), after which the routes answer;
// a missing function says to deploy first.
func TestUpdateCodeOnEmulator(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.WithTransitionDelay(300*time.Millisecond))
	c := provision.NewClients(emulatortest.AWSConfig(t, srv.URL()))
	ctx := testContext(t)
	cfg := provision.Config{Backend: provision.BackendEmbedded, Endpoint: srv.URL(),
		Code: functionZipFor(t, runtime.GOOS, runtime.GOARCH), Architecture: hostArch()}

	var out bytes.Buffer
	if err := provision.UpdateCode(ctx, c, cfg, status.New(&out)); err == nil || !strings.Contains(out.String(), "→ run `go tool mage all` first") {
		t.Fatalf("UpdateCode before any deploy = %v, printed:\n%s", err, out.String())
	}
	o, err := provision.Deploy(ctx, c, cfg, status.Discard())
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	before := function(t, c)

	out.Reset()
	if err := provision.UpdateCode(ctx, c, cfg, status.New(&out)); err != nil || !strings.Contains(out.String(), "✓ lambda function apidriven-ec2 unchanged: it runs this code already (") {
		t.Fatalf("UpdateCode with the deployed code = %v, printed:\n%s", err, out.String())
	}
	if same := function(t, c); aws.ToString(same.RevisionId) != aws.ToString(before.RevisionId) {
		t.Errorf("UpdateCode with the deployed code changed the revision: %s → %s", aws.ToString(before.RevisionId), aws.ToString(same.RevisionId))
	}

	// Other code: the same binary with one more file.
	cfg.Code, err = zipFiles(map[string][]byte{"bootstrap": readBootstrap(t, cfg.Code), "VERSION": []byte("2")})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := provision.UpdateCode(ctx, c, cfg, status.New(&out)); err != nil || !strings.Contains(out.String(), "✓ lambda function apidriven-ec2 code updated, active (") {
		t.Fatalf("UpdateCode = %v, printed:\n%s", err, out.String())
	}
	after := function(t, c)
	if aws.ToString(after.CodeSha256) != sha256b64(cfg.Code) || after.LastUpdateStatus != lambdatypes.LastUpdateStatusSuccessful || after.State != lambdatypes.StateActive {
		t.Fatalf("after UpdateCode: CodeSha256 %s (want %s), State %s, LastUpdateStatus %s; want the new code, Active, Successful",
			aws.ToString(after.CodeSha256), sha256b64(cfg.Code), after.State, after.LastUpdateStatus)
	}
	if code, got := callURL(t, http.MethodGet, o.URLs.Status); code != http.StatusOK || got["instanceId"] != o.InstanceID {
		t.Fatalf("status after the update = %d %v", code, got)
	}
}

func function(t *testing.T, c provision.Clients) *lambda.GetFunctionConfigurationOutput {
	t.Helper()
	got, err := c.Lambda.GetFunctionConfiguration(t.Context(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(provision.DefaultFunctionName)})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration: %v", err)
	}
	return got
}
