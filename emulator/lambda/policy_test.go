package lambda_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

type policyStatement struct {
	Sid       string
	Effect    string
	Principal map[string]string
	Action    string
	Resource  string
	Condition map[string]map[string]string
}

func TestPermissions(t *testing.T) {
	e := start(t)
	e.create(t, "guarded", shellZip(t, "guarded"))
	ctx := emulatortest.Context(t)
	arn := "arn:aws:lambda:us-east-1:000000000000:function:guarded"
	sourceArn := "arn:aws:execute-api:us-east-1:000000000000:abc123/*/*/*"

	_, err := e.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("guarded")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")

	add := &lambda.AddPermissionInput{
		FunctionName: aws.String("guarded"),
		StatementId:  aws.String("apigw-invoke"),
		Action:       aws.String("lambda:InvokeFunction"),
		Principal:    aws.String("apigateway.amazonaws.com"),
		SourceArn:    aws.String(sourceArn),
	}
	out, err := e.client.AddPermission(ctx, add)
	if err != nil {
		t.Fatalf("AddPermission: %v", err)
	}
	var st policyStatement
	if err := json.Unmarshal([]byte(aws.ToString(out.Statement)), &st); err != nil {
		t.Fatalf("Statement %q is not JSON: %v", aws.ToString(out.Statement), err)
	}
	if st.Sid != "apigw-invoke" || st.Effect != "Allow" || st.Principal["Service"] != "apigateway.amazonaws.com" ||
		st.Action != "lambda:InvokeFunction" || st.Resource != arn || st.Condition["ArnLike"]["AWS:SourceArn"] != sourceArn {
		t.Errorf("statement = %+v", st)
	}

	_, err = e.client.AddPermission(ctx, add)
	wantAPIError(t, err, "ResourceConflictException", 409, "The statement id (apigw-invoke) provided already exists.")

	second := *add
	second.StatementId = aws.String("account")
	second.Principal = aws.String("123456789012")
	second.SourceArn = nil
	if _, err := e.client.AddPermission(ctx, &second); err != nil {
		t.Fatalf("AddPermission: %v", err)
	}

	pol, err := e.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetPolicy: %v", err)
	}
	var doc struct {
		Version   string
		Statement []policyStatement
	}
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
		t.Fatalf("Policy %q is not JSON: %v", aws.ToString(pol.Policy), err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 2 || doc.Statement[1].Principal["AWS"] != "arn:aws:iam::123456789012:root" {
		t.Errorf("policy = %+v", doc)
	}
	if aws.ToString(pol.RevisionId) == "" {
		t.Error("GetPolicy RevisionId is empty")
	}

	if _, err := e.client.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("guarded"), StatementId: aws.String("apigw-invoke")}); err != nil {
		t.Fatalf("RemovePermission: %v", err)
	}
	_, err = e.client.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("guarded"), StatementId: aws.String("apigw-invoke")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Statement apigw-invoke is not found in resource policy.")
	if _, err := e.client.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("guarded"), StatementId: aws.String("account")}); err != nil {
		t.Fatalf("RemovePermission: %v", err)
	}
	_, err = e.client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("guarded")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")

	errs := []struct {
		name   string
		in     *lambda.AddPermissionInput
		code   string
		status int
		msg    string
	}{
		{"unknown function", &lambda.AddPermissionInput{FunctionName: aws.String("nobody"), StatementId: aws.String("s"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")},
			"ResourceNotFoundException", 404, "Function not found"},
		{"bad action", &lambda.AddPermissionInput{FunctionName: aws.String("guarded"), StatementId: aws.String("s"), Action: aws.String("s3:GetObject"), Principal: aws.String("apigateway.amazonaws.com")},
			"ValidationException", 400, "at 'action'"},
		{"bad sid", &lambda.AddPermissionInput{FunctionName: aws.String("guarded"), StatementId: aws.String("no spaces"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")},
			"ValidationException", 400, "at 'statementId'"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.AddPermission(emulatortest.Context(t), tt.in)
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
}

func TestTags(t *testing.T) {
	e := start(t)
	e.create(t, "tagged", shellZip(t, "tagged"))
	ctx := emulatortest.Context(t)
	arn := aws.String("arn:aws:lambda:us-east-1:000000000000:function:tagged")
	if _, err := e.client.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := e.client.UntagResource(ctx, &lambda.UntagResourceInput{Resource: arn, TagKeys: []string{"a"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	out, err := e.client.ListTags(ctx, &lambda.ListTagsInput{Resource: arn})
	if err != nil {
		t.Fatalf("ListTags: %v", err)
	}
	if len(out.Tags) != 1 || out.Tags["b"] != "2" {
		t.Errorf("Tags = %v, want b=2", out.Tags)
	}
	_, err = e.client.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String("arn:aws:lambda:us-east-1:000000000000:function:nobody")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found")
	_, err = e.client.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String("tagged")})
	wantAPIError(t, err, "ValidationException", 400, "at 'resource'")
}
