package iam_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	iamsvc "github.com/apidriven/api-driven/emulator/iam"
	"github.com/apidriven/api-driven/emulator/store"
)

// TestPersistenceRoundTrip writes through one emulator and reads through a
// second one started later on the same data dir: everything IAM keeps is
// reloaded from the snapshot.
func TestPersistenceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	first := newClient(t, emulatortest.WithDataDir(dir))
	ctx := emulatortest.Context(t)
	created, err := first.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("kept"), Path: aws.String("/app/"), AssumeRolePolicyDocument: aws.String(trustPolicy),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
	})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	createRole(t, first, "dropped")
	if _, err := first.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("dropped")}); err != nil {
		t.Fatalf("DeleteRole: %v", err)
	}
	if _, err := first.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("kept"), PolicyName: aws.String("logs"), PolicyDocument: aws.String(logsPolicy)}); err != nil {
		t.Fatalf("PutRolePolicy: %v", err)
	}
	pol, err := first.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("mine"), PolicyDocument: aws.String(logsPolicy)})
	if err != nil {
		t.Fatalf("CreatePolicy: %v", err)
	}
	if _, err := first.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("kept"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatalf("AttachRolePolicy: %v", err)
	}

	second := newClient(t, emulatortest.WithDataDir(dir))
	got, err := second.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("kept")})
	if err != nil {
		t.Fatalf("GetRole after reload: %v", err)
	}
	if aws.ToString(got.Role.RoleId) != aws.ToString(created.Role.RoleId) || aws.ToString(got.Role.Arn) != aws.ToString(created.Role.Arn) ||
		!got.Role.CreateDate.Equal(*created.Role.CreateDate) || len(got.Role.Tags) != 1 {
		t.Errorf("reloaded role = %+v, want %+v", got.Role, created.Role)
	}
	if decodePolicy(t, got.Role.AssumeRolePolicyDocument) != trustPolicy {
		t.Errorf("reloaded trust policy differs")
	}
	_, err = second.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("dropped")})
	wantAPIError(t, err, "NoSuchEntity", 404)
	inline, err := second.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("kept"), PolicyName: aws.String("logs")})
	if err != nil || decodePolicy(t, inline.PolicyDocument) != logsPolicy {
		t.Errorf("reloaded inline policy = %v, %v", inline, err)
	}
	attached, err := second.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("kept")})
	if err != nil || len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != aws.ToString(pol.Policy.Arn) {
		t.Errorf("reloaded attachments = %+v, %v", attached, err)
	}
	_, err = second.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: pol.Policy.Arn})
	wantAPIError(t, err, "DeleteConflict", 409)

	// A bare Service on the same store sees the role by its exact ARN only.
	st, err := store.Open(dir)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	svc, err := iamsvc.New(iamsvc.Options{Store: st})
	if err != nil {
		t.Fatalf("iam.New: %v", err)
	}
	for arn, want := range map[string]bool{
		"arn:aws:iam::000000000000:role/app/kept": true,
		"arn:aws:iam::000000000000:role/app/KEPT": false,
		"arn:aws:iam::000000000000:role/kept":     false,
		"arn:aws:iam::111111111111:role/app/kept": false,
		"arn:aws:iam::000000000000:role/dropped":  false,
		"kept":                                    false,
	} {
		if got := svc.RoleExists(arn); got != want {
			t.Errorf("RoleExists(%s) = %v, want %v", arn, got, want)
		}
	}
	if !slices.Contains(svc.Actions(), "CreateRole") {
		t.Errorf("Actions() = %v, want CreateRole among them", svc.Actions())
	}
}

// TestCorruptSnapshot makes a damaged state file a startup error, not a
// silent reset of everything IAM held.
func TestCorruptSnapshot(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.WriteFile("iam.json", []byte("{truncated")); err != nil {
		t.Fatal(err)
	}
	if _, err := iamsvc.New(iamsvc.Options{Store: st}); err == nil {
		t.Fatal("iam.New accepted a corrupt snapshot")
	}
}
