package iam_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const basicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

func TestInlinePolicies(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	createRole(t, c, "fn")
	for _, name := range []string{"logs", "ec2"} {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("fn"), PolicyName: aws.String(name), PolicyDocument: aws.String(logsPolicy)}); err != nil {
			t.Fatalf("PutRolePolicy %s: %v", name, err)
		}
	}
	got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("fn"), PolicyName: aws.String("logs")})
	if err != nil {
		t.Fatalf("GetRolePolicy: %v", err)
	}
	if aws.ToString(got.RoleName) != "fn" || aws.ToString(got.PolicyName) != "logs" || decodePolicy(t, got.PolicyDocument) != logsPolicy {
		t.Errorf("GetRolePolicy = %+v, want the document put", got)
	}
	list, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("fn")})
	if err != nil {
		t.Fatalf("ListRolePolicies: %v", err)
	}
	if !slices.Equal(list.PolicyNames, []string{"ec2", "logs"}) {
		t.Errorf("PolicyNames = %v, want [ec2 logs]", list.PolicyNames)
	}

	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("fn")})
	wantAPIError(t, err, "DeleteConflict", 409)

	for _, name := range []string{"logs", "ec2"} {
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("fn"), PolicyName: aws.String(name)}); err != nil {
			t.Fatalf("DeleteRolePolicy %s: %v", name, err)
		}
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("fn")}); err != nil {
		t.Fatalf("DeleteRole after removing policies: %v", err)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("fn")})
	wantAPIError(t, err, "NoSuchEntity", 404)
}

func TestPolicyErrors(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	createRole(t, c, "r")
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("mine"), PolicyDocument: aws.String(logsPolicy)})
	if err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	mine := aws.ToString(pol.Policy.Arn)
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(mine)}); err != nil {
		t.Fatalf("AttachRolePolicy: %v", err)
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"put with bad JSON", func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Statement":`)})
			return err
		}, "MalformedPolicyDocument", 400},
		{"put on missing role", func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("nope"), PolicyName: aws.String("p"), PolicyDocument: aws.String(logsPolicy)})
			return err
		}, "NoSuchEntity", 404},
		{"put with bad policy name", func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("a/b"), PolicyDocument: aws.String(logsPolicy)})
			return err
		}, "ValidationError", 400},
		{"get missing inline", func() error {
			_, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("none")})
			return err
		}, "NoSuchEntity", 404},
		{"delete missing inline", func() error {
			_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("none")})
			return err
		}, "NoSuchEntity", 404},
		{"attach unknown customer policy", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/ghost")})
			return err
		}, "NoSuchEntity", 404},
		{"attach malformed ARN", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("not-an-arn-at-all-xyz")})
			return err
		}, "InvalidInput", 400},
		{"attach to missing role", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("nope"), PolicyArn: aws.String(basicExecution)})
			return err
		}, "NoSuchEntity", 404},
		{"detach not attached", func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(basicExecution)})
			return err
		}, "NoSuchEntity", 404},
		{"delete role with attached policy", func() error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
			return err
		}, "DeleteConflict", 409},
		{"delete attached policy", func() error {
			_, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(mine)})
			return err
		}, "DeleteConflict", 409},
		{"create duplicate policy", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("MINE"), PolicyDocument: aws.String(logsPolicy)})
			return err
		}, "EntityAlreadyExists", 409},
		{"create policy with bad JSON", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String("nope")})
			return err
		}, "MalformedPolicyDocument", 400},
		{"get missing policy", func() error {
			_, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/ghost")})
			return err
		}, "NoSuchEntity", 404},
		{"delete AWS managed policy", func() error {
			_, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(basicExecution)})
			return err
		}, "InvalidInput", 400},
		{"list policies with bad scope", func() error {
			_, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeType("Everything")})
			return err
		}, "ValidationError", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.status)
		})
	}
}

func TestAttachedPolicies(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	createRole(t, c, "fn")
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ec2-control"), Path: aws.String("/app/"), PolicyDocument: aws.String(logsPolicy), Description: aws.String("start/stop")})
	if err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	mine := aws.ToString(pol.Policy.Arn)
	if mine != "arn:aws:iam::000000000000:policy/app/ec2-control" || aws.ToString(pol.Policy.DefaultVersionId) != "v1" {
		t.Errorf("CreatePolicy = %+v", pol.Policy)
	}
	for _, arn := range []string{basicExecution, mine, mine} { // attaching twice is a no-op
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatalf("AttachRolePolicy %s: %v", arn, err)
		}
	}
	list, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("fn")})
	if err != nil {
		t.Fatalf("ListAttachedRolePolicies: %v", err)
	}
	var names []string
	for _, p := range list.AttachedPolicies {
		names = append(names, aws.ToString(p.PolicyName))
	}
	if !slices.Equal(names, []string{"ec2-control", "AWSLambdaBasicExecutionRole"}) {
		t.Errorf("attached = %v", names)
	}
	onlyApp, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("fn"), PathPrefix: aws.String("/service-role/")})
	if err != nil {
		t.Fatalf("ListAttachedRolePolicies: %v", err)
	}
	if len(onlyApp.AttachedPolicies) != 1 || aws.ToString(onlyApp.AttachedPolicies[0].PolicyArn) != basicExecution {
		t.Errorf("PathPrefix /service-role/ = %+v", onlyApp.AttachedPolicies)
	}
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(mine)})
	if err != nil {
		t.Fatalf("GetPolicy: %v", err)
	}
	if aws.ToInt32(got.Policy.AttachmentCount) != 1 || aws.ToString(got.Policy.Description) != "start/stop" {
		t.Errorf("GetPolicy = %+v, want AttachmentCount 1", got.Policy)
	}
	local, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, OnlyAttached: true})
	if err != nil {
		t.Fatalf("ListPolicies: %v", err)
	}
	if len(local.Policies) != 1 || aws.ToString(local.Policies[0].Arn) != mine {
		t.Errorf("ListPolicies Local = %+v", local.Policies)
	}

	for _, arn := range []string{basicExecution, mine} {
		if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatalf("DetachRolePolicy %s: %v", arn, err)
		}
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(mine)}); err != nil {
		t.Fatalf("DeletePolicy once detached: %v", err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("fn")}); err != nil {
		t.Fatalf("DeleteRole once detached: %v", err)
	}
}
