package main_test

import (
	"encoding/json"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

// TestSIGTERMReapsFunctions: a warm function process is a child of the
// emulator; SIGTERM must end the emulator with exit 0 and take that
// process with it.
func TestSIGTERMReapsFunctions(t *testing.T) {
	// Build first: on a loaded machine compiling the function can take
	// longer than the calls' context allows.
	zip := lambdatest.BuildFunction(t, lambdatest.Probe)
	e := startEmulator(t, "-transition-delay", "0")
	cfg := emulatortest.AWSConfig(t, e.url)
	ctx := emulatortest.Context(t)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reap"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("reap"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: zip},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("reap"), Payload: []byte(`{}`)})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("Invoke: %v %v", err, out)
	}
	var probe lambdatest.ProbeOutput
	if err := json.Unmarshal(out.Payload, &probe); err != nil || probe.Pid == 0 {
		t.Fatalf("probe answer %s: %v", out.Payload, err)
	}
	if err := syscall.Kill(probe.Pid, 0); err != nil {
		t.Fatalf("function process %d is not running before SIGTERM: %v", probe.Pid, err)
	}

	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := e.wait(t, 20*time.Second); err != nil {
		t.Fatalf("awsemu did not exit 0 after SIGTERM: %v\nstderr:\n%s", err, e.stderr.String())
	}
	if err := syscall.Kill(probe.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("function process %d outlived the emulator (kill 0: %v)", probe.Pid, err)
	}
}
