package iam_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const trustPolicy = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`

const logsPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:*"}]}`

// newClient starts an emulator and returns an IAM client pointed at it.
func newClient(t *testing.T, opts ...emulatortest.Option) *iam.Client {
	t.Helper()
	srv := emulatortest.Start(t, opts...)
	return iam.NewFromConfig(emulatortest.AWSConfig(t, srv.URL()))
}

// createRole creates a role with the Lambda trust policy or fails the test.
func createRole(t *testing.T, c *iam.Client, name string) {
	t.Helper()
	_, err := c.CreateRole(emulatortest.Context(t), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
}

// wantAPIError asserts err is an AWS API error with this code and HTTP status.
func wantAPIError(t *testing.T, err error, code string, status int) {
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
	if apiErr.ErrorMessage() == "" {
		t.Errorf("%s has an empty message", code)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	if got := respErr.HTTPStatusCode(); got != status {
		t.Errorf("%s: HTTP status = %d, want %d", code, got, status)
	}
}

// decodePolicy undoes IAM's URL encoding of returned policy documents.
func decodePolicy(t *testing.T, doc *string) string {
	t.Helper()
	if doc == nil {
		t.Fatal("policy document missing from response")
	}
	out, err := url.QueryUnescape(*doc)
	if err != nil {
		t.Fatalf("policy document %q is not URL-encoded: %v", *doc, err)
	}
	return out
}
