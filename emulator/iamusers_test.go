package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// TestUserKeysInStrictMode creates an IAM user and an access key with the
// SDK, then signs with that key in strict mode: the user's policies (the
// default version of a managed one) decide, and a deactivated or deleted
// key is refused at once.
func TestUserKeysInStrictMode(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.WithEnforceIAM())
	root := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	admin := iam.NewFromConfig(root)
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("operator")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("operator")})
	if err != nil {
		t.Fatal(err)
	}
	instance := runInstance(t, ctx, ec2.NewFromConfig(root))
	user := root.Copy()
	user.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	userEC2 := ec2.NewFromConfig(user)
	stop := func() error {
		_, err := userEC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{instance}})
		return err
	}
	describe := func() error {
		_, err := userEC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{instance}})
		return err
	}

	id, err := sts.NewFromConfig(user).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/operator" {
		t.Fatalf("GetCallerIdentity with the user's key = %+v, %v", id, err)
	}
	if err := describe(); err != nil {
		t.Fatalf("the user may describe: %v", err)
	}
	if got := apiCode(stop()); got != "UnauthorizedOperation" {
		t.Fatalf("StopInstances by a user allowed only to describe = %q, want UnauthorizedOperation", got)
	}
	_, err = iam.NewFromConfig(user).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("escalate")})
	if got := apiCode(err); got != "AccessDenied" {
		t.Fatalf("CreateUser by the user = %q, want AccessDenied", got)
	}

	// A managed policy decides by its default version.
	pol, err := admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("stop"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeRegions","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("operator"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol.Policy.Arn,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if got := apiCode(stop()); got != "UnauthorizedOperation" {
		t.Fatalf("StopInstances allowed only by a version that is not the default = %q, want UnauthorizedOperation", got)
	}
	if _, err := admin.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("StopInstances once v2 is the default: %v", err)
	}

	// Session credentials of the user act as the user.
	session, err := sts.NewFromConfig(user).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken as the user: %v", err)
	}
	viaSession := root.Copy()
	viaSession.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(session.Credentials.AccessKeyId),
		aws.ToString(session.Credentials.SecretAccessKey), aws.ToString(session.Credentials.SessionToken))
	if id, err := sts.NewFromConfig(viaSession).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/operator" {
		t.Fatalf("GetCallerIdentity with the user's session = %+v, %v", id, err)
	}
	_, err = ec2.NewFromConfig(viaSession).TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{instance}})
	if got := apiCode(err); got != "UnauthorizedOperation" {
		t.Fatalf("TerminateInstances with the user's session = %q, want UnauthorizedOperation", got)
	}

	// Deactivated: refused at once, by EC2 and STS alike.
	if _, err := admin.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("operator"), AccessKeyId: key.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if got := apiCode(describe()); got != "AuthFailure" {
		t.Fatalf("DescribeInstances with a deactivated key = %q, want AuthFailure", got)
	}
	_, err = sts.NewFromConfig(user).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if got := apiCode(err); got != "InvalidClientTokenId" {
		t.Fatalf("GetCallerIdentity with a deactivated key = %q, want InvalidClientTokenId", got)
	}
	// Deleted: unknown, so refused in strict mode.
	if _, err := admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("operator"), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	if got := apiCode(describe()); got != "AuthFailure" {
		t.Fatalf("DescribeInstances with a deleted key = %q, want AuthFailure", got)
	}
}

// TestUnsavedKeyChangesDoNotApply breaks IAM's snapshot: deactivating a
// key that cannot be saved leaves it working, and a key that cannot be
// saved is neither listed nor usable.
func TestUnsavedKeyChangesDoNotApply(t *testing.T) {
	dir := t.TempDir()
	srv := emulatortest.Start(t, emulatortest.WithDataDir(dir))
	root := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	admin := iam.NewFromConfig(root)
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	user := root.Copy()
	user.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")

	repair := breakSnapshot(t, dir, "iam.json")
	_, err = admin.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("u"), AccessKeyId: key.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive})
	if got := apiCode(err); got != "ServiceFailure" {
		t.Fatalf("UpdateAccessKey that cannot be saved = %q, want ServiceFailure", got)
	}
	if id, err := sts.NewFromConfig(user).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/u" {
		t.Fatalf("the key after an unsaved deactivation = %+v, %v, want still the user", id, err)
	}
	_, err = admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if got := apiCode(err); got != "ServiceFailure" {
		t.Fatalf("CreateAccessKey that cannot be saved = %q, want ServiceFailure", got)
	}
	repair()
	keys, err := admin.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("u")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != iamtypes.StatusTypeActive {
		t.Fatalf("keys after unsaved changes = %+v, %v, want the one active key", keys, err)
	}
}
