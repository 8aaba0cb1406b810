package provision

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/internal/status"
)

// Function settings that Deploy enforces.
const (
	functionRuntime = lambdatypes.RuntimeProvidedal2023
	functionHandler = "bootstrap"
	functionMemory  = 128
)

// timedLambda gives every call an SDK waiter makes its own timeout.
type timedLambda struct {
	c       *lambda.Client
	timeout time.Duration
}

func (t timedLambda) GetFunction(ctx context.Context, in *lambda.GetFunctionInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	return t.c.GetFunction(ctx, in, opts...)
}

// codeSHA256 is how Lambda reports a zip: base64 of its SHA-256.
func codeSHA256(zip []byte) string {
	sum := sha256.Sum256(zip)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// functionEnv is the function's environment: the instance (or, for the
// docker target, the container) and tag the handler needs, plus the
// caller's extras (which cannot override them).
func functionEnv(cfg Config, instanceID string) map[string]string {
	env := maps.Clone(cfg.Env)
	if env == nil {
		env = map[string]string{}
	}
	env["TAG_KEY"] = cfg.TagKey
	env["TAG_VALUE"] = cfg.TagValue
	if cfg.Target == TargetDocker {
		env["TARGET"] = TargetDocker
		env["CONTAINER_NAME"] = cfg.ContainerName
		return env
	}
	env["INSTANCE_ID"] = instanceID
	return env
}

// retryLambdaWrite marks the transient refusals of Lambda writes: a role
// IAM has not propagated yet, and an update still in progress.
func retryLambdaWrite(err error) bool {
	return isRoleNotAssumable(err) || hasCode(err, "ResourceConflictException", "ResourceInUseException")
}

// ensureFunction creates the function or updates its code and
// configuration where they differ, then waits until it is active and its
// last update succeeded. It returns the function ARN.
func ensureFunction(ctx context.Context, c Clients, cfg Config, roleARN, instanceID string, st *status.Status) (string, error) {
	step := st.Start("lambda function " + cfg.FunctionName)
	arn, detail, err := ensureFunctionSteps(ctx, c, cfg, roleARN, instanceID)
	if err != nil {
		return "", step.Fail(err)
	}
	step.Done(detail)
	return arn, nil
}

func ensureFunctionSteps(ctx context.Context, c Clients, cfg Config, roleARN, instanceID string) (string, string, error) {
	to := cfg.Timeouts
	env := functionEnv(cfg, instanceID)
	arch := lambdatypes.Architecture(cfg.Architecture)
	got, err := withRetry(ctx, to, nil, func(ctx context.Context) (*lambda.GetFunctionOutput, error) {
		return c.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &cfg.FunctionName})
	})
	if hasCode(err, "ResourceNotFoundException") {
		out, err := withRetry(ctx, to, isRoleNotAssumable, func(ctx context.Context) (*lambda.CreateFunctionOutput, error) {
			return c.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
				FunctionName:  &cfg.FunctionName,
				Runtime:       functionRuntime,
				Handler:       aws.String(functionHandler),
				Role:          &roleARN,
				Code:          &lambdatypes.FunctionCode{ZipFile: cfg.Code},
				Architectures: []lambdatypes.Architecture{arch},
				Environment:   &lambdatypes.Environment{Variables: env},
				Timeout:       aws.Int32(FunctionTimeout),
				MemorySize:    aws.Int32(functionMemory),
				Description:   aws.String("api-driven: /start /stop /status of the project's EC2 instance"),
				Tags:          map[string]string{cfg.TagKey: cfg.TagValue},
			})
		})
		if err != nil {
			return "", "", fail(err, "create lambda function %s", cfg.FunctionName)
		}
		if err := waitFunction(ctx, c, cfg, true); err != nil {
			return "", "", err
		}
		return aws.ToString(out.FunctionArn), "created, active", nil
	}
	if err != nil {
		return "", "", fail(err, "get lambda function %s", cfg.FunctionName)
	}

	conf := got.Configuration
	var changed []string
	if configDiffers(conf, roleARN, env) {
		_, err := withRetry(ctx, to, retryLambdaWrite, func(ctx context.Context) (*lambda.UpdateFunctionConfigurationOutput, error) {
			return c.Lambda.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
				FunctionName: &cfg.FunctionName,
				Runtime:      functionRuntime,
				Handler:      aws.String(functionHandler),
				Role:         &roleARN,
				Environment:  &lambdatypes.Environment{Variables: env},
				Timeout:      aws.Int32(FunctionTimeout),
			})
		})
		if err != nil {
			return "", "", fail(err, "update the configuration of lambda function %s", cfg.FunctionName)
		}
		// A second update is refused until this one has finished.
		if err := waitFunction(ctx, c, cfg, false); err != nil {
			return "", "", err
		}
		changed = append(changed, "configuration")
	}
	// A Failed function gets its code again even when the digests agree
	// (see codeDiffers).
	failed := conf.State == lambdatypes.StateFailed
	if codeDiffers(conf, cfg) {
		if err := updateCode(ctx, c, cfg); err != nil {
			return "", "", err
		}
		changed = append(changed, "code")
	}
	detail := "active"
	if len(changed) > 0 {
		detail = strings.Join(changed, " and ") + " updated, active"
		if failed {
			detail += fmt.Sprintf(" (code re-uploaded: the function was Failed, %s)", conf.StateReasonCode)
		}
	} else if conf.State != lambdatypes.StateActive {
		// Unchanged but still settling from an earlier deploy.
		if err := waitFunction(ctx, c, cfg, true); err != nil {
			return "", "", err
		}
	}
	return aws.ToString(conf.FunctionArn), detail, nil
}

// codeDiffers says whether the function needs cfg.Code: it runs other
// code, on another architecture, or it is Failed (the embedded emulator
// fails a function whose stored code no longer matches its digest, and
// new code repairs it).
func codeDiffers(conf *lambdatypes.FunctionConfiguration, cfg Config) bool {
	return conf == nil || conf.State == lambdatypes.StateFailed || aws.ToString(conf.CodeSha256) != codeSHA256(cfg.Code) ||
		!archIs(conf.Architectures, lambdatypes.Architecture(cfg.Architecture))
}

// updateCode uploads cfg.Code and waits until the update succeeded.
func updateCode(ctx context.Context, c Clients, cfg Config) error {
	_, err := withRetry(ctx, cfg.Timeouts, retryLambdaWrite, func(ctx context.Context) (*lambda.UpdateFunctionCodeOutput, error) {
		return c.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{
			FunctionName:  &cfg.FunctionName,
			ZipFile:       cfg.Code,
			Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(cfg.Architecture)},
		})
	})
	if err != nil {
		return fail(err, "update the code of lambda function %s", cfg.FunctionName)
	}
	return waitFunction(ctx, c, cfg, false)
}

// UpdateCode gives the deployed function cfg.Code, unless it runs that
// code already, and waits (lambda.NewFunctionUpdatedV2Waiter) until the
// update succeeded: what watch does on every save. The function must
// exist; only its code changes.
func UpdateCode(ctx context.Context, c Clients, cfg Config, st *status.Status) error {
	cfg = cfg.withDefaults(c.region())
	step := st.Start("lambda function " + cfg.FunctionName)
	got, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*lambda.GetFunctionConfigurationOutput, error) {
		return c.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &cfg.FunctionName})
	})
	if hasCode(err, "ResourceNotFoundException") {
		return step.Fail(status.WithFix(fmt.Errorf("lambda function %s does not exist (any more)", cfg.FunctionName), "run `go tool mage all` first"))
	}
	if err != nil {
		return step.Fail(fail(err, "get lambda function %s", cfg.FunctionName))
	}
	conf := lambdatypes.FunctionConfiguration{CodeSha256: got.CodeSha256, Architectures: got.Architectures, State: got.State}
	if !codeDiffers(&conf, cfg) {
		step.Done("unchanged: it runs this code already")
		return nil
	}
	if err := updateCode(ctx, c, cfg); err != nil {
		return step.Fail(err)
	}
	step.Done("code updated, active")
	return nil
}

// configDiffers says whether the deployed configuration differs from what
// Deploy wants.
func configDiffers(conf *lambdatypes.FunctionConfiguration, roleARN string, env map[string]string) bool {
	if conf == nil {
		return true
	}
	var have map[string]string
	if conf.Environment != nil {
		have = conf.Environment.Variables
	}
	return aws.ToString(conf.Role) != roleARN ||
		aws.ToInt32(conf.Timeout) != FunctionTimeout ||
		aws.ToString(conf.Handler) != functionHandler ||
		conf.Runtime != functionRuntime ||
		!maps.Equal(have, env)
}

func archIs(have []lambdatypes.Architecture, want lambdatypes.Architecture) bool {
	if len(have) == 0 { // Lambda's default
		return want == lambdatypes.ArchitectureX8664
	}
	return len(have) == 1 && have[0] == want
}

// waitFunction waits for the function to be active (after a create) or
// for its last update to have succeeded.
func waitFunction(ctx context.Context, c Clients, cfg Config, created bool) error {
	in := &lambda.GetFunctionInput{FunctionName: &cfg.FunctionName}
	api := timedLambda{c: c.Lambda, timeout: cfg.Timeouts.Call}
	var err error
	what := "active"
	poll, pollMax := cfg.Timeouts.Poll, cfg.Timeouts.PollMax
	if created {
		err = lambda.NewFunctionActiveV2Waiter(api, func(o *lambda.FunctionActiveV2WaiterOptions) {
			o.MinDelay, o.MaxDelay = poll, pollMax
		}).Wait(ctx, in, cfg.Timeouts.Wait)
	} else {
		what = "updated"
		err = lambda.NewFunctionUpdatedV2Waiter(api, func(o *lambda.FunctionUpdatedV2WaiterOptions) {
			o.MinDelay, o.MaxDelay = poll, pollMax
		}).Wait(ctx, in, cfg.Timeouts.Wait)
	}
	if err != nil {
		return status.WithFix(fmt.Errorf("failed to wait for lambda function %s to be %s: %w", cfg.FunctionName, what, err),
			"look at the function's StateReason (aws lambda get-function --function-name %s)", cfg.FunctionName)
	}
	return nil
}
