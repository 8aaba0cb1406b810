package lambda_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// storedCode counts the code blobs the data dir keeps for a function.
func storedCode(t *testing.T, dir, name string) int {
	t.Helper()
	blobs, err := filepath.Glob(filepath.Join(dir, "lambda", "code", "us-east-1", name, "*.zip"))
	if err != nil {
		t.Fatal(err)
	}
	return len(blobs)
}

// TestVersionsSurviveRestart restarts the emulator on its data dir: the
// versions, aliases and their policies come back, and code is stored once
// per digest however many versions share it.
func TestVersionsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := start(t, emulatortest.WithDataDir(dir))
	ctx := emulatortest.Context(t)
	codeA, codeB, codeC := shellZip(t, "A"), shellZip(t, "B"), shellZip(t, "C")
	in := e.createInput("kept", codeA)
	in.Publish = true // version 1: code A
	if _, err := e.client.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { // version 2: code A again, another timeout
			_, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("kept"), Timeout: aws.Int32(7)})
			if err == nil {
				_, err = e.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("kept")})
			}
			return err
		},
		func() error { // version 3: code B
			_, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("kept"), ZipFile: codeB, Publish: true})
			return err
		},
		func() error {
			_, err := e.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("kept"), Name: aws.String("live"), FunctionVersion: aws.String("2")})
			return err
		},
		func() error {
			_, err := e.client.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("kept:live"), StatementId: aws.String("gw"),
				Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if n := storedCode(t, dir, "kept"); n != 2 {
		t.Fatalf("%d code blobs for 3 versions over 2 digests, want 2", n)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatalf("close emulator: %v", err)
	}

	e = reconnect(t, emulatortest.Start(t, emulatortest.WithDataDir(dir)), e.role)
	list, err := e.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("kept")})
	if err != nil || len(list.Versions) != 4 || aws.ToInt32(list.Versions[2].Timeout) != 7 {
		t.Fatalf("versions after restart = %v, %v; want $LATEST, 1, 2 (timeout 7), 3", list, err)
	}
	alias, err := e.client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("kept"), Name: aws.String("live")})
	if err != nil || aws.ToString(alias.FunctionVersion) != "2" {
		t.Fatalf("alias after restart = %v, %v", alias, err)
	}
	if _, err := e.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("kept"), Qualifier: aws.String("live")}); err != nil {
		t.Fatalf("alias policy after restart: %v", err)
	}
	got, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("kept:live")})
	if err != nil {
		t.Fatalf("GetFunction of the alias: %v", err)
	}
	if body := download(t, aws.ToString(got.Code.Location)); string(body) != string(codeA) {
		t.Errorf("alias code after restart: %d bytes, want code A (%d bytes)", len(body), len(codeA))
	}

	// Code B leaves when its last user does; code A stays for versions 1 and 2.
	if _, err := e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("kept"), Qualifier: aws.String("3")}); err != nil {
		t.Fatalf("delete version 3: %v", err)
	}
	if n := storedCode(t, dir, "kept"); n != 2 {
		t.Fatalf("%d code blobs while $LATEST still runs code B, want 2", n)
	}
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("kept"), ZipFile: codeC}); err != nil {
		t.Fatal(err)
	}
	if n := storedCode(t, dir, "kept"); n != 2 {
		t.Fatalf("%d code blobs after code B lost its last user, want 2 (A and C)", n)
	}
	v1, err := e.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("kept:1")})
	if err != nil || string(download(t, aws.ToString(v1.Code.Location))) != string(codeA) {
		t.Fatalf("version 1 lost its code: %v", err)
	}
	if _, err := e.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	if n := storedCode(t, dir, "kept"); n != 0 {
		t.Fatalf("%d code blobs left after deleting the function, want 0", n)
	}
}

func download(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("download %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestCorruptVersionCodeFailsVersion: start-up checks the code of every
// published version too. A version whose zip no longer matches is Failed
// with AWS's reason fields and its invocations fail fast, while $LATEST
// (other code) stays Active; uploading the same zip again repairs it.
func TestCorruptVersionCodeFailsVersion(t *testing.T) {
	dir := t.TempDir()
	e := start(t, emulatortest.WithDataDir(dir))
	ctx := emulatortest.Context(t)
	codeA, codeB := shellZip(t, "A"), shellZip(t, "B")
	in := e.createInput("aged", codeA)
	in.Publish = true // version 1: code A
	if _, err := e.client.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("aged"), ZipFile: codeB}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(codeA)
	blob := filepath.Join(dir, "lambda", "code", "us-east-1", "aged", hex.EncodeToString(sum[:])+".zip")
	if err := os.WriteFile(blob, []byte("bit rot"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "lambda-work")); err != nil {
		t.Fatal(err)
	}

	e = reconnect(t, emulatortest.Start(t, emulatortest.WithDataDir(dir)), e.role)
	state := func(ref string) *lambda.GetFunctionConfigurationOutput {
		t.Helper()
		got, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(ref)})
		if err != nil {
			t.Fatalf("GetFunctionConfiguration %s: %v", ref, err)
		}
		return got
	}
	if got := state("aged:1"); got.State != types.StateFailed || got.StateReasonCode != types.StateReasonCodeInvalidZipFileException ||
		!strings.Contains(aws.ToString(got.StateReason), "upload the same zip") {
		t.Fatalf("version 1: %s %s %q, want Failed InvalidZipFileException with the way out", got.State, got.StateReasonCode, aws.ToString(got.StateReason))
	}
	if got := state("aged"); got.State != types.StateActive {
		t.Fatalf("$LATEST (intact code): %s %q, want Active", got.State, aws.ToString(got.StateReason))
	}
	for range 2 { // every call fails fast, with the reason
		_, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("aged"), Qualifier: aws.String("1")})
		wantAPIError(t, err, "ResourceConflictException", 409, "state: Failed. InvalidZipFileException")
	}

	if _, err := e.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("aged"), ZipFile: codeA}); err != nil {
		t.Fatalf("UpdateFunctionCode with the version's zip: %v", err)
	}
	if got := state("aged:1"); got.State != types.StateActive {
		t.Fatalf("version 1 after its zip was uploaded again: %s %q, want Active", got.State, aws.ToString(got.StateReason))
	}
	if _, err := e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("aged:1")}); err != nil {
		t.Fatalf("Invoke of the repaired version: %v", err)
	}
}
