package iam_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const stopPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`

func TestPolicyVersions(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ctl"), PolicyDocument: aws.String(logsPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	arn := pol.Policy.Arn
	fast := func(o *iam.PolicyExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}
	if err := iam.NewPolicyExistsWaiter(c, fast).Wait(ctx, &iam.GetPolicyInput{PolicyArn: arn}, 30*time.Second); err != nil {
		t.Fatalf("PolicyExists waiter: %v", err)
	}

	v2, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(stopPolicy), SetAsDefault: true})
	if err != nil {
		t.Fatalf("CreatePolicyVersion: %v", err)
	}
	if aws.ToString(v2.PolicyVersion.VersionId) != "v2" || !v2.PolicyVersion.IsDefaultVersion {
		t.Errorf("CreatePolicyVersion = %+v, want the default v2", v2.PolicyVersion)
	}
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil || aws.ToString(got.Policy.DefaultVersionId) != "v2" {
		t.Fatalf("GetPolicy DefaultVersionId = %+v, %v, want v2", got, err)
	}
	doc, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
	if err != nil || decodePolicy(t, doc.PolicyVersion.Document) != logsPolicy || doc.PolicyVersion.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion v1 = %+v, %v", doc, err)
	}
	for range 3 { // v3, v4, v5: five versions, the quota
		if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(logsPolicy)}); err != nil {
			t.Fatalf("CreatePolicyVersion: %v", err)
		}
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(logsPolicy)})
	wantAPIError(t, err, "LimitExceeded", 409)

	list, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
	if err != nil {
		t.Fatalf("ListPolicyVersions: %v", err)
	}
	var ids []string
	for _, v := range list.Versions {
		ids = append(ids, aws.ToString(v.VersionId))
		if v.IsDefaultVersion != (aws.ToString(v.VersionId) == "v2") {
			t.Errorf("version %s IsDefaultVersion = %v", aws.ToString(v.VersionId), v.IsDefaultVersion)
		}
	}
	if want := []string{"v5", "v4", "v3", "v2", "v1"}; len(ids) != 5 || ids[0] != want[0] || ids[4] != want[4] {
		t.Errorf("ListPolicyVersions = %v, want %v", ids, want)
	}

	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	wantAPIError(t, err, "DeleteConflict", 409)
	if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")}); err != nil {
		t.Fatalf("SetDefaultPolicyVersion: %v", err)
	}
	if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")}); err != nil {
		t.Fatalf("DeletePolicyVersion of a former default: %v", err)
	}
	_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	// Ids are never reused: the next version is v6.
	v6, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(logsPolicy)})
	if err != nil || aws.ToString(v6.PolicyVersion.VersionId) != "v6" {
		t.Fatalf("CreatePolicyVersion after a delete = %+v, %v, want v6", v6, err)
	}

	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	wantAPIError(t, err, "DeleteConflict", 409) // versions first
	for _, v := range []string{"v3", "v4", "v5", "v6"} {
		if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String(v)}); err != nil {
			t.Fatalf("DeletePolicyVersion %s: %v", v, err)
		}
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}); err != nil {
		t.Fatalf("DeletePolicy with its default version only: %v", err)
	}
}

func TestPolicyVersionErrors(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(logsPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"bad version id", func() error {
			_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: aws.String("1")})
			return err
		}, "ValidationError", 400},
		{"missing version", func() error {
			_, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: aws.String("v9")})
			return err
		}, "NoSuchEntity", 404},
		{"missing policy", func() error {
			_, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/ghost")})
			return err
		}, "NoSuchEntity", 404},
		{"AWS managed policy", func() error {
			_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(basicExecution), VersionId: aws.String("v1")})
			return err
		}, "NoSuchEntity", 404},
		{"malformed document", func() error {
			_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol.Policy.Arn, PolicyDocument: aws.String("{")})
			return err
		}, "MalformedPolicyDocument", 400},
		{"malformed ARN", func() error {
			_, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String("policy-ghost-not-an-arn"), PolicyDocument: aws.String(logsPolicy)})
			return err
		}, "InvalidInput", 400},
		{"delete the only version", func() error {
			_, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: aws.String("v1")})
			return err
		}, "DeleteConflict", 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.status)
		})
	}
}
