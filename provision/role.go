package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/apidriven/api-driven/internal/status"
)

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // only fixed structs of strings are marshalled
		panic(err)
	}
	return string(b)
}

// trustPolicy lets the Lambda service assume the role.
func trustPolicy() string {
	return mustJSON(policyDoc{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "lambda.amazonaws.com"},
		Action:    "sts:AssumeRole",
	}}})
}

// ControlPolicy is the inline policy deploy writes on the function's role
// in account (partition "aws"), so that tests can hold the emulator's
// policy evaluation to the project's own least-privilege policy.
func ControlPolicy(cfg Config, account string) string {
	return controlPolicy(cfg.withDefaults(cfg.Region), identity{Account: account, Partition: "aws"})
}

// controlPolicy lets the function start and stop only instances carrying
// the project's tag, describe instances (which cannot be scoped), and
// write its own logs (so failures on AWS can be diagnosed).
func controlPolicy(cfg Config, id identity) string {
	logGroup := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:/aws/lambda/%s", id.Partition, cfg.Region, id.Account, cfg.FunctionName)
	logs := statement{
		Sid:      "OwnLogs",
		Effect:   "Allow",
		Action:   []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{logGroup, logGroup + ":*"},
	}
	if cfg.Target == TargetDocker { // it talks to the Docker engine, not to EC2
		return mustJSON(policyDoc{Version: "2012-10-17", Statement: []statement{logs}})
	}
	return mustJSON(policyDoc{Version: "2012-10-17", Statement: []statement{
		{
			Sid:       "ControlProjectInstances",
			Effect:    "Allow",
			Action:    []string{"ec2:StartInstances", "ec2:StopInstances"},
			Resource:  fmt.Sprintf("arn:%s:ec2:*:%s:instance/*", id.Partition, id.Account),
			Condition: map[string]any{"StringEquals": map[string]string{"aws:ResourceTag/" + cfg.TagKey: cfg.TagValue}},
		},
		{Sid: "DescribeInstances", Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*"},
		logs,
	}})
}

// sameJSON compares two policy documents as JSON values; IAM returns them
// URL-encoded and reformatted.
func sameJSON(stored, want string) bool {
	if dec, err := url.PathUnescape(stored); err == nil {
		stored = dec
	}
	var a, b any
	if json.Unmarshal([]byte(stored), &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	return mustJSON(a) == mustJSON(b)
}

// ensureRole creates the function's role or brings an existing one's trust
// and inline policy up to date. It returns the role ARN.
func ensureRole(ctx context.Context, c Clients, cfg Config, id identity, st *status.Status) (string, error) {
	step := st.Start("iam role " + cfg.RoleName)
	arn, detail, err := ensureRoleSteps(ctx, c, cfg, id)
	if err != nil {
		return "", step.Fail(err)
	}
	step.Done(detail)
	return arn, nil
}

func ensureRoleSteps(ctx context.Context, c Clients, cfg Config, id identity) (string, string, error) {
	trust, policy := trustPolicy(), controlPolicy(cfg, id)
	to := cfg.Timeouts
	detail := "ready"
	got, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.GetRoleOutput, error) {
		return c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &cfg.RoleName})
	})
	var role *iamtypes.Role
	switch {
	case err == nil:
		role = got.Role
		if !sameJSON(aws.ToString(role.AssumeRolePolicyDocument), trust) {
			_, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.UpdateAssumeRolePolicyOutput, error) {
				return c.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: &cfg.RoleName, PolicyDocument: &trust})
			})
			if err != nil {
				return "", "", fail(err, "update the trust policy of iam role %s", cfg.RoleName)
			}
			detail = "updated"
		}
	case hasCode(err, "NoSuchEntity", "NoSuchEntityException"):
		out, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.CreateRoleOutput, error) {
			return c.IAM.CreateRole(ctx, &iam.CreateRoleInput{
				RoleName:                 &cfg.RoleName,
				AssumeRolePolicyDocument: &trust,
				Description:              aws.String("api-driven Lambda function: start/stop the project's EC2 instance"),
				Tags:                     []iamtypes.Tag{{Key: &cfg.TagKey, Value: &cfg.TagValue}},
			})
		})
		if err != nil {
			return "", "", fail(err, "create iam role %s", cfg.RoleName)
		}
		role, detail = out.Role, "created"
	default:
		return "", "", fail(err, "get iam role %s", cfg.RoleName)
	}

	current, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.GetRolePolicyOutput, error) {
		return c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &cfg.RoleName, PolicyName: &cfg.PolicyName})
	})
	if err != nil && !hasCode(err, "NoSuchEntity", "NoSuchEntityException") {
		return "", "", fail(err, "get policy %s of iam role %s", cfg.PolicyName, cfg.RoleName)
	}
	if err != nil || !sameJSON(aws.ToString(current.PolicyDocument), policy) {
		_, err := withRetry(ctx, to, nil, func(ctx context.Context) (*iam.PutRolePolicyOutput, error) {
			return c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &cfg.RoleName, PolicyName: &cfg.PolicyName, PolicyDocument: &policy})
		})
		if err != nil {
			return "", "", fail(err, "put policy %s on iam role %s", cfg.PolicyName, cfg.RoleName)
		}
		if detail == "ready" {
			detail = "updated"
		}
	}
	return aws.ToString(role.Arn), detail, nil
}
