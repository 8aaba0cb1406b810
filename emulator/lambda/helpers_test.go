package lambda_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// env is an emulator with a Lambda client and an execution role.
type env struct {
	srv    *emulator.Server
	client *lambda.Client
	role   string
}

// start serves an emulator and creates the execution role through IAM,
// as a user would.
func start(t *testing.T, opts ...emulatortest.Option) *env {
	t.Helper()
	srv := emulatortest.Start(t, opts...)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	out, err := iam.NewFromConfig(cfg).CreateRole(emulatortest.Context(t), &iam.CreateRoleInput{
		RoleName:                 aws.String("lambda-exec"),
		AssumeRolePolicyDocument: aws.String(trustPolicy),
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	return &env{srv: srv, client: lambda.NewFromConfig(cfg), role: aws.ToString(out.Role.Arn)}
}

// reconnect points a client at a restarted emulator that kept its role.
func reconnect(t *testing.T, srv *emulator.Server, role string) *env {
	t.Helper()
	return &env{srv: srv, client: lambda.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())), role: role}
}

// file is one zip entry.
type file struct {
	name string
	mode uint32 // unix permission bits; 0 means a directory
	body string
}

// makeZip builds a deployment package in memory.
func makeZip(t *testing.T, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		if f.mode == 0 {
			h.SetMode(fs.ModeDir | 0o755)
		} else {
			h.SetMode(fs.FileMode(f.mode))
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatalf("zip %s: %v", f.name, err)
		}
		if _, err := w.Write([]byte(f.body)); err != nil {
			t.Fatalf("zip %s: %v", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("zip: %v", err)
	}
	return buf.Bytes()
}

// shellZip is a package whose bootstrap is a tiny shell script: enough for
// every control-plane call.
func shellZip(t *testing.T, marker string) []byte {
	return makeZip(t, file{name: "bootstrap", mode: 0o755, body: "#!/bin/sh\n# " + marker + "\nexit 1\n"})
}

func sha256B64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// createInput is a valid CreateFunction request for name.
func (e *env) createInput(name string, zipFile []byte) *lambda.CreateFunctionInput {
	return &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      types.RuntimeProvidedal2023,
		Role:         aws.String(e.role),
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: zipFile},
	}
}

func (e *env) create(t *testing.T, name string, zipFile []byte) *lambda.CreateFunctionOutput {
	t.Helper()
	out, err := e.client.CreateFunction(emulatortest.Context(t), e.createInput(name, zipFile))
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return out
}

// wantAPIError asserts err is an AWS API error with this code, HTTP status
// and a message containing msg.
func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s (%d)", code, status)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want an API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code)
	}
	if !strings.Contains(apiErr.ErrorMessage(), msg) {
		t.Errorf("%s message = %q, want it to contain %q", code, apiErr.ErrorMessage(), msg)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	if got := respErr.HTTPStatusCode(); got != status {
		t.Errorf("%s: HTTP status = %d, want %d", code, got, status)
	}
}
