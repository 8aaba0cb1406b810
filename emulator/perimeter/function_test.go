package perimeter_test

import (
	"encoding/json"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

const peek = "github.com/apidriven/api-driven/emulator/perimeter/testdata/peek"

type peekOutput struct {
	UID, GID   int
	Groups     []int
	Ppid       int
	CapEff     string
	EnvironLen int
	EnvironErr string
}

// TestFunctionCannotReadEmulatorEnvironment: a function cannot read its
// parent's /proc/<pid>/environ. As root (CI), the function runs as nobody
// without capabilities; as anyone, the emulator is not dumpable (awsemu
// does this at start).
func TestFunctionCannotReadEmulatorEnvironment(t *testing.T) {
	if err := runtime.HideFromFunctions(); err != nil {
		t.Fatal(err)
	}
	code := lambdatest.BuildFunction(t, peek) // before the calls' context starts: slow on a loaded machine
	// The only supplementary group is the one asked for (the docker
	// target asks for the Docker socket's); root's are dropped.
	// The data dir stays private (no WithDataDir): under root the code is
	// unpacked elsewhere, where nobody reaches it.
	dataDir := t.TempDir()
	srv := emulatortest.Start(t, func(c *emulator.Config) { c.DataDir, c.FunctionGroups = dataDir, []string{"4242"} })
	ctx := emulatortest.Context(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("peek"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("peek"), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &types.FunctionCode{ZipFile: code},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("peek")})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("invoke: %v %s", err, out.Payload)
	}
	var got peekOutput
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatalf("%s: %v", out.Payload, err)
	}
	if got.Ppid != os.Getpid() {
		t.Fatalf("the function's parent is pid %d, not the emulator (%d)", got.Ppid, os.Getpid())
	}
	if got.EnvironLen > 0 || !strings.Contains(got.EnvironErr, "permission denied") {
		t.Fatalf("the function read %d bytes of the emulator's environment (error %q)", got.EnvironLen, got.EnvironErr)
	}
	if os.Geteuid() != 0 {
		if got.UID != os.Getuid() {
			t.Fatalf("without root the function runs as the emulator's user %d, got %d", os.Getuid(), got.UID)
		}
		return
	}
	want := 65534
	if u, err := user.Lookup("nobody"); err == nil {
		want, _ = strconv.Atoi(u.Uid)
	}
	if got.UID != want || got.GID == 0 || strings.Trim(got.CapEff, "0") != "" || !slices.Equal(got.Groups, []int{4242}) {
		t.Fatalf("under a root emulator the function runs as uid %d gid %d groups %v with capabilities %s; want nobody (%d), groups [4242], no capability",
			got.UID, got.GID, got.Groups, got.CapEff, want)
	}
}
