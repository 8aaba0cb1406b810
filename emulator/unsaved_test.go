package emulator_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/cli"
	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/store"
)

// clients are SDK clients of one emulator.
type clients struct {
	ec2    *ec2.Client
	iam    *iam.Client
	lambda *lambda.Client
	apigw  *apigateway.Client
}

func connect(t *testing.T, url string) clients {
	cfg := emulatortest.AWSConfig(t, url)
	return clients{ec2.NewFromConfig(cfg), iam.NewFromConfig(cfg), lambda.NewFromConfig(cfg), apigateway.NewFromConfig(cfg)}
}

// makeZip is a deployment package holding one executable file.
func makeZip(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = w.Write([]byte(body))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	return buf.Bytes()
}

// breakSnapshot makes the next save of a service's state fail for real, as
// a full disk would, even for root: its file's name is taken by a non-empty
// directory, so the rename that replaces it fails.
func breakSnapshot(t *testing.T, dir, file string) (repair func()) {
	t.Helper()
	p := filepath.Join(dir, file)
	aside := p + ".aside"
	if err := os.Rename(p, aside); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p, "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(aside, p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUnsavedChangeIsNotApplied: in every service, a change whose state
// cannot be saved is answered with the service's 5xx and is not applied,
// neither afterwards nor after a restart, while what was saved before
// stays.
func TestUnsavedChangeIsNotApplied(t *testing.T) {
	dir := t.TempDir()
	srv := emulatortest.Start(t, emulatortest.WithDataDir(dir))
	c := connect(t, srv.URL())
	ctx := emulatortest.Context(t)
	role, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("kept"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	code := makeZip(t, "bootstrap", "#!/bin/sh\nexit 1\n")
	if _, err := c.lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("kept"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: code},
	}); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	kept, err := c.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if _, err := c.apigw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("kept")}); err != nil {
		t.Fatalf("CreateRestApi: %v", err)
	}

	tests := []struct {
		file   string // the service's snapshot
		code   string // its 5xx
		change func(context.Context, clients) error
		// applied reports what of the change is visible (nothing, if all is well)
		applied func(context.Context, *testing.T, clients) string
	}{
		{"iam.json", "ServiceFailure", func(ctx context.Context, c clients) error {
			_, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("lost"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
			return err
		}, func(ctx context.Context, t *testing.T, c clients) string {
			out, err := c.iam.ListRoles(ctx, &iam.ListRolesInput{})
			if err != nil {
				t.Fatalf("ListRoles: %v", err)
			}
			if len(out.Roles) != 1 {
				return "more than the kept role"
			}
			return ""
		}},
		{"ec2.json", "InternalError", func(ctx context.Context, c clients) error {
			_, err := c.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
			return err
		}, func(ctx context.Context, t *testing.T, c clients) string {
			out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			if err != nil {
				t.Fatalf("DescribeInstances: %v", err)
			}
			if len(out.Reservations) != 1 || aws.ToString(out.Reservations[0].Instances[0].InstanceId) != aws.ToString(kept.Instances[0].InstanceId) {
				return "more than the kept instance"
			}
			return ""
		}},
		{"lambda.json", "ServiceException", func(ctx context.Context, c clients) error {
			_, err := c.lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
				FunctionName: aws.String("lost"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
				Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: makeZip(t, "bootstrap", "#!/bin/sh\n# lost\n")},
			})
			return err
		}, func(ctx context.Context, t *testing.T, c clients) string {
			out, err := c.lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{})
			if err != nil {
				t.Fatalf("ListFunctions: %v", err)
			}
			if len(out.Functions) != 1 {
				return "more than the kept function"
			}
			// A rejected upload leaves nothing behind.
			for _, p := range []string{"lambda/code/us-east-1/lost", "lambda-work/functions/us-east-1/lost"} {
				if _, err := os.Stat(filepath.Join(dir, p)); !errors.Is(err, fs.ErrNotExist) {
					return p + " left behind"
				}
			}
			return ""
		}},
		{"apigateway.json", "InternalFailure", func(ctx context.Context, c clients) error {
			_, err := c.apigw.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("lost")})
			return err
		}, func(ctx context.Context, t *testing.T, c clients) string {
			out, err := c.apigw.GetRestApis(ctx, &apigateway.GetRestApisInput{})
			if err != nil {
				t.Fatalf("GetRestApis: %v", err)
			}
			if len(out.Items) != 1 {
				return "more than the kept API"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			repair := breakSnapshot(t, dir, tt.file)
			defer repair()
			err := tt.change(ctx, c)
			var apiErr smithy.APIError
			var respErr *awshttp.ResponseError
			if !errors.As(err, &apiErr) || !errors.As(err, &respErr) || apiErr.ErrorCode() != tt.code || respErr.HTTPStatusCode() != 500 {
				t.Fatalf("change with %s unwritable: %v; want %s (500)", tt.file, err, tt.code)
			}
			if what := tt.applied(ctx, t, c); what != "" {
				t.Errorf("the refused change is applied: %s", what)
			}
		})
	}

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	restarted := connect(t, emulatortest.Start(t, emulatortest.WithDataDir(dir)).URL())
	for _, tt := range tests {
		if what := tt.applied(ctx, t, restarted); what != "" {
			t.Errorf("after a restart, the refused change to %s is applied: %s", tt.file, what)
		}
	}
}

// TestCorruptStateStopsStartup: a state file that does not parse, or that
// holds nothing, stops start-up with its path and the way out, instead of
// an empty service that would overwrite it.
func TestCorruptStateStopsStartup(t *testing.T) {
	for _, file := range []string{"ec2.json", "iam.json", "lambda.json", "apigateway.json"} {
		for _, content := range []string{"null", "{}", `{"roles":{`, ""} {
			dir := t.TempDir()
			p := filepath.Join(dir, file)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			srv, err := emulator.New(emulator.Config{DataDir: dir})
			if err == nil {
				_ = srv.Close()
				t.Errorf("%s holding %q: the emulator started", file, content)
				continue
			}
			var corrupt *store.CorruptError
			msg := cli.ExitMessage(err)
			if !errors.As(err, &corrupt) || corrupt.Path != p || !strings.Contains(msg, p) || !strings.Contains(msg, "  → move it aside") {
				t.Errorf("%s holding %q: %q; want its path and the way out", file, content, msg)
			}
		}
	}
}
