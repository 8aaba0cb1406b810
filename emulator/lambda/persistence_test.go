package lambda_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

func TestFunctionsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := start(t, emulatortest.WithDataDir(dir))
	ctx := emulatortest.Context(t)
	v1 := shellZip(t, "v1")
	e.create(t, "kept", v1)
	e.create(t, "dropped", v1)
	v2 := shellZip(t, "v2")
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("kept"), ZipFile: v2}); err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("kept"), Environment: &types.Environment{Variables: map[string]string{"KEY": "v"}},
	}); err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	if _, err := e.client.AddPermission(ctx, &lambda.AddPermissionInput{
		FunctionName: aws.String("kept"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
	}); err != nil {
		t.Fatalf("AddPermission: %v", err)
	}
	if _, err := e.client.TagResource(ctx, &lambda.TagResourceInput{
		Resource: aws.String("arn:aws:lambda:us-east-1:000000000000:function:kept"), Tags: map[string]string{"env": "test"},
	}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("dropped")}); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	before, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("kept")})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration: %v", err)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatalf("close emulator: %v", err)
	}

	e = reconnect(t, emulatortest.Start(t, emulatortest.WithDataDir(dir)), e.role)
	got, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("kept")})
	if err != nil {
		t.Fatalf("GetFunction after restart: %v", err)
	}
	c := got.Configuration
	if aws.ToString(c.CodeSha256) != sha256B64(v2) || aws.ToString(c.RevisionId) != aws.ToString(before.RevisionId) ||
		c.Environment == nil || c.Environment.Variables["KEY"] != "v" || got.Tags["env"] != "test" {
		t.Errorf("after restart: sha %s rev %s env %v tags %v; want sha %s rev %s env KEY=v tags env=test",
			aws.ToString(c.CodeSha256), aws.ToString(c.RevisionId), c.Environment, got.Tags, sha256B64(v2), aws.ToString(before.RevisionId))
	}
	resp, err := http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatalf("download code: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != string(v2) {
		t.Errorf("downloaded %d bytes after restart, want the %d bytes of v2", len(body), len(v2))
	}
	pol, err := e.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("kept")})
	if err != nil {
		t.Fatalf("GetPolicy after restart: %v", err)
	}
	var doc struct{ Statement []struct{ Sid string } }
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil || len(doc.Statement) != 1 || doc.Statement[0].Sid != "apigw" {
		t.Errorf("policy after restart = %s (%v)", aws.ToString(pol.Policy), err)
	}
	_, err = e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("dropped")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found")
	// The restored function takes updates again.
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("kept"), ZipFile: v1}); err != nil {
		t.Fatalf("UpdateFunctionCode after restart: %v", err)
	}
}

// TestCorruptCodeFailsFunction: stored code that no longer matches its
// digest is found at start; the function is Failed with AWS's reason
// fields, Invoke fails fast saying why, and new code repairs it.
func TestCorruptCodeFailsFunction(t *testing.T) {
	dir := t.TempDir()
	e := start(t, emulatortest.WithDataDir(dir))
	code := lambdatest.BuildFunction(t, lambdatest.Probe)
	e.create(t, "broken", code)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	zips, err := filepath.Glob(filepath.Join(dir, "lambda", "code", "us-east-1", "broken", "*.zip"))
	if err != nil || len(zips) != 1 {
		t.Fatalf("stored code: %v, %v", zips, err)
	}
	if err := os.WriteFile(zips[0], []byte("bit rot"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Without its unpacked copy, as after a cleaned work dir.
	if err := os.RemoveAll(filepath.Join(dir, "lambda-work")); err != nil {
		t.Fatal(err)
	}

	e = reconnect(t, emulatortest.Start(t, emulatortest.WithDataDir(dir)), e.role)
	ctx := emulatortest.Context(t)
	got, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("broken")})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration: %v", err)
	}
	if got.State != types.StateFailed || got.StateReasonCode != types.StateReasonCodeInvalidZipFileException ||
		!strings.Contains(aws.ToString(got.StateReason), "go tool mage deploy") {
		t.Fatalf("State %s %s %q, want Failed InvalidZipFileException with the way out", got.State, got.StateReasonCode, aws.ToString(got.StateReason))
	}
	for range 2 { // every call fails fast, with the reason
		_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("broken")})
		wantAPIError(t, err, "ResourceConflictException", 409, "state: Failed. InvalidZipFileException")
	}

	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("broken"), ZipFile: code}); err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	if err := lambda.NewFunctionUpdatedV2Waiter(e.client).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("broken")}, 30*time.Second); err != nil {
		t.Fatalf("waiting for the update: %v", err)
	}
	out, po := invokeProbe(t, e, "broken", lambdatest.ProbeCommand{Echo: json.RawMessage(`"repaired"`)})
	if out.FunctionError != nil || string(po.Echo) != `"repaired"` {
		t.Fatalf("Invoke after the repair: %q %s", aws.ToString(out.FunctionError), po.Echo)
	}
}

// TestCodeCorruptedWhileRunning: found when an invocation needs the code,
// of $LATEST or of a version whose code $LATEST no longer runs.
func TestCodeCorruptedWhileRunning(t *testing.T) {
	for _, qualifier := range []string{"", "1"} {
		t.Run("qualifier "+qualifier, func(t *testing.T) {
			dir := t.TempDir()
			e := start(t, emulatortest.WithDataDir(dir))
			ctx := emulatortest.Context(t)
			rotting := shellZip(t, "v1")
			in := e.createInput("rotting", rotting)
			in.Publish = true
			if _, err := e.client.CreateFunction(ctx, in); err != nil {
				t.Fatal(err)
			}
			if qualifier != "" { // $LATEST moves on; version 1 keeps the code that rots
				if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("rotting"), ZipFile: shellZip(t, "v2")}); err != nil {
					t.Fatal(err)
				}
			}
			sum := sha256.Sum256(rotting)
			blob := filepath.Join(dir, "lambda", "code", "us-east-1", "rotting", hex.EncodeToString(sum[:])+".zip")
			if err := os.WriteFile(blob, []byte("bit rot"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Join(dir, "lambda-work")); err != nil {
				t.Fatal(err)
			}
			ref := &lambda.InvokeInput{FunctionName: aws.String("rotting")}
			if qualifier != "" {
				ref.Qualifier = aws.String(qualifier)
			}
			_, err := e.client.Invoke(ctx, ref)
			wantAPIError(t, err, "ResourceConflictException", 409, "does not match its CodeSha256")
			got, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("rotting"), Qualifier: ref.Qualifier})
			if err != nil || got.State != types.StateFailed {
				t.Fatalf("after the failed invocation: %v, %v; want state Failed", got, err)
			}
		})
	}
}
