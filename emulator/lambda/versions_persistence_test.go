package lambda_test

import (
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

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
