package provision

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/apidriven/api-driven/internal/status"
)

// Clean removes everything Deploy creates, found by name and tag (no saved
// state needed), in reverse dependency order. What is already gone is
// fine; it returns what it removed. It keeps going after a failure so one
// stuck resource does not leave the rest behind, and reports all failures.
func Clean(ctx context.Context, c Clients, cfg Config, st *status.Status) ([]string, error) {
	cfg = cfg.withDefaults(c.region())
	var removed []string
	var errs []error
	for _, step := range []struct {
		name string
		fn   func(context.Context, Clients, Config) ([]string, error)
	}{
		{"remove rest apis named " + cfg.APIName, cleanAPIs},
		{"remove lambda function " + cfg.FunctionName, cleanFunction},
		{"remove log group " + logGroup(cfg), cleanLogGroup},
		{"remove iam role " + cfg.RoleName, cleanRole},
		{fmt.Sprintf("terminate ec2 instances tagged %s=%s", cfg.TagKey, cfg.TagValue), cleanInstances},
	} {
		s := st.Start(step.name)
		got, err := step.fn(ctx, c, cfg)
		removed = append(removed, got...)
		if err != nil {
			errs = append(errs, s.Fail(err))
			continue
		}
		if len(got) == 0 {
			s.Done("(nothing there)")
		} else {
			s.Done(fmt.Sprintf("(%d removed)", len(got)))
		}
	}
	return removed, errors.Join(errs...)
}

func cleanAPIs(ctx context.Context, c Clients, cfg Config) ([]string, error) {
	apis, err := findAPIs(ctx, c, cfg)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, api := range apis {
		id := aws.ToString(api.Id)
		// DeleteRestApi is rate limited on AWS (one per 30 s): the
		// TooManyRequestsException is retried with backoff.
		_, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*apigateway.DeleteRestApiOutput, error) {
			return c.APIGateway.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: &id})
		})
		if err != nil && !hasCode(err, "NotFoundException") {
			return removed, fail(err, "delete rest api %s (%s)", cfg.APIName, id)
		}
		removed = append(removed, fmt.Sprintf("rest api %s (%s)", cfg.APIName, id))
	}
	return removed, nil
}

func cleanFunction(ctx context.Context, c Clients, cfg Config) ([]string, error) {
	var removed []string
	_, err := withRetry(ctx, cfg.Timeouts, retryLambdaWrite, func(ctx context.Context) (*lambda.RemovePermissionOutput, error) {
		return c.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: &cfg.FunctionName, StatementId: aws.String(permissionSID)})
	})
	switch {
	case err == nil:
		removed = append(removed, fmt.Sprintf("lambda permission %s", permissionSID))
	case !hasCode(err, "ResourceNotFoundException"):
		return nil, fail(err, "remove the invoke permission of lambda function %s", cfg.FunctionName)
	}
	_, err = withRetry(ctx, cfg.Timeouts, retryLambdaWrite, func(ctx context.Context) (*lambda.DeleteFunctionOutput, error) {
		return c.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &cfg.FunctionName})
	})
	switch {
	case err == nil:
		removed = append(removed, "lambda function "+cfg.FunctionName)
	case !hasCode(err, "ResourceNotFoundException"):
		return removed, fail(err, "delete lambda function %s", cfg.FunctionName)
	}
	return removed, nil
}

func cleanRole(ctx context.Context, c Clients, cfg Config) ([]string, error) {
	to := cfg.Timeouts
	notFound := func(err error) bool { return hasCode(err, "NoSuchEntity", "NoSuchEntityException") }
	// A role can only be deleted once its policies are gone.
	inline, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.ListRolePoliciesOutput, error) {
		return c.IAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &cfg.RoleName})
	})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fail(err, "list policies of iam role %s", cfg.RoleName)
	}
	for _, name := range inline.PolicyNames {
		_, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.DeleteRolePolicyOutput, error) {
			return c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &cfg.RoleName, PolicyName: &name})
		})
		if err != nil && !notFound(err) {
			return nil, fail(err, "delete policy %s of iam role %s", name, cfg.RoleName)
		}
	}
	attached := iam.NewListAttachedRolePoliciesPaginator(c.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: &cfg.RoleName})
	for attached.HasMorePages() {
		page, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.ListAttachedRolePoliciesOutput, error) {
			return attached.NextPage(ctx)
		})
		if err != nil {
			return nil, fail(err, "list attached policies of iam role %s", cfg.RoleName)
		}
		for _, p := range page.AttachedPolicies {
			_, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.DetachRolePolicyOutput, error) {
				return c.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &cfg.RoleName, PolicyArn: p.PolicyArn})
			})
			if err != nil && !notFound(err) {
				return nil, fail(err, "detach policy %s from iam role %s", aws.ToString(p.PolicyArn), cfg.RoleName)
			}
		}
	}
	_, err = withRetry(ctx, to, nil, func(ctx context.Context) (*iam.DeleteRoleOutput, error) {
		return c.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &cfg.RoleName})
	})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fail(err, "delete iam role %s", cfg.RoleName)
	}
	return []string{"iam role " + cfg.RoleName}, nil
}

func cleanInstances(ctx context.Context, c Clients, cfg Config) ([]string, error) {
	found, err := findInstances(ctx, c, cfg)
	if err != nil || len(found) == 0 {
		return nil, err
	}
	ids := make([]string, 0, len(found))
	for _, in := range found {
		ids = append(ids, aws.ToString(in.InstanceId))
	}
	_, err = withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*ec2.TerminateInstancesOutput, error) {
		return c.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	})
	if err != nil {
		return nil, fail(err, "terminate ec2 instances %v", ids)
	}
	removed := make([]string, 0, len(ids))
	for _, id := range ids {
		removed = append(removed, "ec2 instance "+id)
	}
	for _, id := range ids {
		if err := waitInstance(ctx, c, cfg, id, "terminated"); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// logGroup is where Lambda writes the function's logs on AWS.
func logGroup(cfg Config) string { return "/aws/lambda/" + cfg.FunctionName }

// cleanLogGroup deletes the log group Lambda created (on AWS and
// LocalStack). Endpoints without CloudWatch Logs, such as this project's
// emulator, which keeps function logs in files, have nothing to remove.
func cleanLogGroup(ctx context.Context, c Clients, cfg Config) ([]string, error) {
	if c.Logs == nil {
		return nil, nil
	}
	name := logGroup(cfg)
	_, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*cloudwatchlogs.DeleteLogGroupOutput, error) {
		return c.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &name})
	})
	switch {
	case err == nil:
		return []string{"log group " + name}, nil
	case hasCode(err, "ResourceNotFoundException", "UnknownService", "UnknownOperationException"):
		return nil, nil
	}
	return nil, fail(err, "delete log group %s", name)
}
