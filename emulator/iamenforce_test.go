package emulator_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/apidriven/api-driven/emulator/auth"
	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/provision"
)

// roleFunction makes a role with the given inline policy ("" for none)
// and a probe function running as it.
func roleFunction(t *testing.T, ctx context.Context, cfg aws.Config, code []byte, name, policy string) {
	t.Helper()
	iamc, lambdac := iam.NewFromConfig(cfg), lambda.NewFromConfig(cfg)
	role, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name + "-role"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	if policy != "" {
		if _, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role.Role.RoleName, PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatalf("PutRolePolicy: %v", err)
		}
	}
	if _, err := lambdac.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: code}, Timeout: aws.Int32(10),
	}); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if err := lambda.NewFunctionActiveV2Waiter(lambdac, fastLambdaActive).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("function never active: %v", err)
	}
}

func probe(t *testing.T, ctx context.Context, cfg aws.Config, name string, cmd lambdatest.ProbeCommand) lambdatest.ProbeOutput {
	t.Helper()
	payload, _ := json.Marshal(cmd)
	res, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload})
	if err != nil {
		t.Fatalf("Invoke %s: %v", name, err)
	}
	var out lambdatest.ProbeOutput
	if res.FunctionError != nil || json.Unmarshal(res.Payload, &out) != nil {
		t.Fatalf("%s failed: %s %s", name, aws.ToString(res.FunctionError), res.Payload)
	}
	return out
}

func runInstance(t *testing.T, ctx context.Context, c *ec2.Client, tags ...string) string {
	t.Helper()
	in := &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	if len(tags) == 2 {
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: &tags[0], Value: &tags[1]}}}}
	}
	out, err := c.RunInstances(ctx, in)
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	if err := ec2.NewInstanceRunningWaiter(c, fastEC2Running).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 10*time.Second); err != nil {
		t.Fatalf("instance never running: %v", err)
	}
	return id
}

// TestFunctionRolesAreEnforced runs real functions whose calls to EC2
// and STS are signed with their sandbox's role credentials, in the
// default (lenient) mode: the role's policies decide, EC2 itself answers
// UnauthorizedOperation.
func TestFunctionRolesAreEnforced(t *testing.T) {
	code := lambdatest.BuildFunction(t, lambdatest.Probe)
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	// One deadline for a dozen calls and three function creations, on a
	// machine that may be busy compiling.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ec2c := ec2.NewFromConfig(cfg)

	var mu sync.Mutex
	var calls []auth.Call
	defer srv.ObserveCalls(auth.ObserverFunc(func(c auth.Call) {
		if c.Principal.Sandbox != nil {
			mu.Lock()
			calls = append(calls, c)
			mu.Unlock()
		}
	}))()

	tagged := runInstance(t, ctx, ec2c, provision.DefaultTagKey, provision.DefaultTagValue)
	untagged := runInstance(t, ctx, ec2c)
	roleFunction(t, ctx, cfg, code, "describer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances","sts:DecodeAuthorizationMessage"],"Resource":"*"}]}`)
	roleFunction(t, ctx, cfg, code, "project", provision.ControlPolicy(provision.Config{Region: emulatortest.Region, FunctionName: "project"}, "000000000000"))
	roleFunction(t, ctx, cfg, code, "denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"NoStop","Effect":"Deny","Action":"ec2:Stop*","Resource":"*"}]}`)

	stop := func(fn, id string) lambdatest.ProbeOutput {
		return probe(t, ctx, cfg, fn, lambdatest.ProbeCommand{EC2: &lambdatest.ProbeEC2Command{InstanceIDs: []string{id}, Stop: true}, Caller: true})
	}
	t.Run("a role without ec2:StopInstances gets UnauthorizedOperation from EC2", func(t *testing.T) {
		out := stop("describer", tagged)
		if out.AWSError == nil || out.AWSError.Code != "UnauthorizedOperation" ||
			!strings.Contains(out.AWSError.Message, "User: arn:aws:sts::000000000000:assumed-role/describer-role/describer is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:us-east-1:000000000000:instance/"+tagged+" because no identity-based policy allows the ec2:StopInstances action") {
			t.Fatalf("stop answered %+v", out.AWSError)
		}
		if out.CallerARN != "arn:aws:sts::000000000000:assumed-role/describer-role/describer" {
			t.Fatalf("GetCallerIdentity with the sandbox's credentials = %q", out.CallerARN)
		}
		// The encoded message decodes through STS, as on AWS.
		_, enc, _ := strings.Cut(out.AWSError.Message, "Encoded authorization failure message: ")
		dec, err := sts.NewFromConfig(cfg).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: &enc})
		if err != nil || !strings.Contains(aws.ToString(dec.DecodedMessage), `"action":"ec2:StopInstances"`) {
			t.Fatalf("DecodeAuthorizationMessage = %v, %v", dec, err)
		}
	})
	t.Run("the project's policy stops the tagged instance", func(t *testing.T) {
		out := stop("project", tagged)
		if out.AWSError != nil || len(out.Instances) != 1 || out.Instances[0].State != "stopping" && out.Instances[0].State != "stopped" {
			t.Fatalf("stop answered %+v %+v", out.Instances, out.AWSError)
		}
	})
	t.Run("the project's policy cannot stop an untagged instance", func(t *testing.T) {
		out := stop("project", untagged)
		if out.AWSError == nil || out.AWSError.Code != "UnauthorizedOperation" {
			t.Fatalf("stop of an untagged instance answered %+v %+v", out.Instances, out.AWSError)
		}
		state, err := ec2c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{untagged}})
		if err != nil || state.Reservations[0].Instances[0].State.Name != ec2types.InstanceStateNameRunning {
			t.Fatalf("the untagged instance changed anyway: %v %v", state, err)
		}
	})
	t.Run("an explicit Deny overrides Allow *", func(t *testing.T) {
		out := stop("denied", untagged)
		if out.AWSError == nil || out.AWSError.Code != "UnauthorizedOperation" || !strings.Contains(out.AWSError.Message, "with an explicit deny in an identity-based policy") {
			t.Fatalf("stop answered %+v", out.AWSError)
		}
	})
	t.Run("observers see each sandbox call with its invocation", func(t *testing.T) {
		out := stop("describer", tagged)
		mu.Lock()
		defer mu.Unlock()
		for _, c := range calls {
			if c.Action == "ec2:StopInstances" && c.Invocation == out.RequestID {
				if c.Status != 403 || c.ErrorCode != "UnauthorizedOperation" || c.Principal.Sandbox.FunctionName != "describer" || c.Principal.Sandbox.ID == "" || c.Duration <= 0 {
					t.Fatalf("call observed as %+v", c)
				}
				return
			}
		}
		t.Fatalf("no ec2:StopInstances call attributed to invocation %s among %d sandbox calls", out.RequestID, len(calls))
	})
}
