package iam_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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

// TestUsersKeysProfilesVersionsPersist restarts on the same data dir: a
// user's access key still signs, a deactivated one is still refused, and
// policy versions, the default among them, and instance profiles are
// back.
func TestUsersKeysProfilesVersionsPersist(t *testing.T) {
	dir := t.TempDir()
	first := newClient(t, emulatortest.WithDataDir(dir))
	ctx := emulatortest.Context(t)
	if _, err := first.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}); err != nil {
		t.Fatal(err)
	}
	var keys []*types.AccessKey
	for range 2 {
		k, err := first.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.AccessKey)
	}
	if _, err := first.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: keys[1].AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	pol, err := first.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(logsPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol.Policy.Arn, PolicyDocument: aws.String(stopPolicy), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	createRole(t, first, "web")
	if _, err := first.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := first.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}

	// The snapshot holds the secrets: its owner only may read it.
	fi, err := os.Stat(filepath.Join(dir, "iam.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("iam.json mode = %v, want 0600", fi.Mode())
	}
	srv := emulatortest.Start(t, emulatortest.WithDataDir(dir))
	cfg := emulatortest.AWSConfig(t, srv.URL())
	second := iam.NewFromConfig(cfg)
	for i, want := range []string{"", "InvalidClientTokenId"} {
		as := cfg.Copy()
		as.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(keys[i].AccessKeyId), aws.ToString(keys[i].SecretAccessKey), "")
		_, err := sts.NewFromConfig(as).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if want == "" && err != nil {
			t.Errorf("the active key after a restart: %v", err)
		}
		if want != "" {
			wantAPIError(t, err, want, 403)
		}
	}
	v, err := second.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: aws.String("v2")})
	if err != nil || !v.PolicyVersion.IsDefaultVersion || decodePolicy(t, v.PolicyVersion.Document) != stopPolicy {
		t.Errorf("v2 after a restart = %+v, %v", v, err)
	}
	ip, err := second.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil || len(ip.InstanceProfile.Roles) != 1 {
		t.Errorf("instance profile after a restart = %+v, %v", ip, err)
	}
	_, err = second.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantAPIError(t, err, "DeleteConflict", 409)
}

// TestSnapshotBeforeVersions loads a policy saved before policy versions
// existed: its document is v1, the default.
func TestSnapshotBeforeVersions(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old := `{"roles":{},"policies":{"arn:aws:iam::000000000000:policy/old":{"name":"old","path":"/","id":"ANPAOLD","arn":"arn:aws:iam::000000000000:policy/old","document":` +
		strconv.Quote(logsPolicy) + `,"created":"2024-05-01T10:00:00Z"}}}`
	if err := st.WriteFile("iam.json", []byte(old)); err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Start(t, emulatortest.WithDataDir(st.Dir()))
	c := iam.NewFromConfig(emulatortest.AWSConfig(t, srv.URL()))
	ctx := emulatortest.Context(t)
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/old"), VersionId: aws.String("v1")})
	if err != nil || !v.PolicyVersion.IsDefaultVersion || decodePolicy(t, v.PolicyVersion.Document) != logsPolicy {
		t.Fatalf("v1 of an old snapshot = %+v, %v", v, err)
	}
	next, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/old"), PolicyDocument: aws.String(stopPolicy)})
	if err != nil || aws.ToString(next.PolicyVersion.VersionId) != "v2" {
		t.Fatalf("the next version of an old snapshot = %+v, %v", next, err)
	}
}
