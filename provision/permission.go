package provision

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// permissionSID names the statement letting API Gateway invoke the
// function; stable so that a redeploy finds it.
const permissionSID = "apidriven-apigateway-invoke"

// permissionStatement is the raw statement permissionSID in the function's
// resource policy, or "" when absent.
func permissionStatement(policy string) string {
	var doc struct {
		Statement []json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return ""
	}
	for _, raw := range doc.Statement {
		var s struct {
			Sid string `json:"Sid"`
		}
		if json.Unmarshal(raw, &s) == nil && s.Sid == permissionSID {
			return string(raw)
		}
	}
	return ""
}

// ensurePermission lets apigateway.amazonaws.com invoke the function from
// sourceARN. A statement left by an earlier API (other id) is replaced.
func ensurePermission(ctx context.Context, c Clients, cfg Config, sourceARN string) (string, error) {
	to := cfg.Timeouts
	got, err := withRetry(ctx, to, nil, func(ctx context.Context) (*lambda.GetPolicyOutput, error) {
		return c.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: &cfg.FunctionName})
	})
	if err != nil && !hasCode(err, "ResourceNotFoundException") {
		return "", fail(err, "read the resource policy of lambda function %s", cfg.FunctionName)
	}
	if err == nil {
		stmt := permissionStatement(aws.ToString(got.Policy))
		if strings.Contains(stmt, sourceARN) {
			return "present", nil
		}
		if stmt != "" {
			_, err := withRetry(ctx, to, retryLambdaWrite, func(ctx context.Context) (*lambda.RemovePermissionOutput, error) {
				return c.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: &cfg.FunctionName, StatementId: aws.String(permissionSID)})
			})
			if err != nil && !hasCode(err, "ResourceNotFoundException") {
				return "", fail(err, "remove the stale invoke permission of lambda function %s", cfg.FunctionName)
			}
		}
	}
	_, err = withRetry(ctx, to, isUpdateInProgress, func(ctx context.Context) (*lambda.AddPermissionOutput, error) {
		return c.Lambda.AddPermission(ctx, &lambda.AddPermissionInput{
			FunctionName: &cfg.FunctionName,
			StatementId:  aws.String(permissionSID),
			Action:       aws.String("lambda:InvokeFunction"),
			Principal:    aws.String("apigateway.amazonaws.com"),
			SourceArn:    &sourceARN,
		})
	})
	// The statement id already present means someone added it between
	// our read and write: it is there, which is all we need.
	if err != nil && !hasCode(err, "ResourceConflictException") {
		return "", fail(err, "allow apigateway.amazonaws.com to invoke lambda function %s", cfg.FunctionName)
	}
	return "added", nil
}

// isUpdateInProgress is the ResourceConflictException Lambda answers while
// an update runs (as opposed to "statement id already exists").
func isUpdateInProgress(err error) bool {
	return hasCode(err, "ResourceConflictException") && strings.Contains(strings.ToLower(err.Error()), "in progress")
}
