package iam_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// fastUser polls at the emulator's speed.
func fastUser(o *iam.UserExistsWaiterOptions) {
	o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
}

func TestUsers(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	before := time.Now().Add(-2 * time.Second)
	created, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/team/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	u := created.User
	if aws.ToString(u.Arn) != "arn:aws:iam::000000000000:user/team/alice" || !regexp.MustCompile(`^AIDA[A-Z0-9]{17}$`).MatchString(aws.ToString(u.UserId)) ||
		u.CreateDate == nil || u.CreateDate.Before(before) || len(u.Tags) != 1 {
		t.Errorf("CreateUser = %+v", u)
	}
	if err := iam.NewUserExistsWaiter(c, fastUser).Wait(ctx, &iam.GetUserInput{UserName: aws.String("alice")}, 30*time.Second); err != nil {
		t.Fatalf("UserExists waiter: %v", err)
	}
	got, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ALICE")})
	if err != nil || aws.ToString(got.User.UserId) != aws.ToString(u.UserId) || aws.ToString(got.User.Path) != "/team/" {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}
	root, err := c.GetUser(ctx, &iam.GetUserInput{})
	if err != nil || aws.ToString(root.User.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(root.User.UserId) != "000000000000" {
		t.Fatalf("GetUser without a name, as the root = %+v, %v", root, err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	var names []string
	for _, u := range list.Users {
		names = append(names, aws.ToString(u.UserName))
	}
	if !slices.Equal(names, []string{"alice", "bob"}) {
		t.Errorf("ListUsers = %v", names)
	}
	team, err := c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/team/")})
	if err != nil || len(team.Users) != 1 {
		t.Errorf("ListUsers /team/ = %+v, %v", team, err)
	}
	if _, err := c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: []types.Tag{{Key: aws.String("TEAM"), Value: aws.String("dev")}}}); err != nil {
		t.Fatalf("TagUser: %v", err)
	}
	tags, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("alice")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "dev" {
		t.Errorf("ListUserTags after retag = %+v, %v", tags, err)
	}
	if _, err := c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("alice"), TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("UntagUser: %v", err)
	}

	// Policies: inline and attached, which block DeleteUser.
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("logs"), PolicyDocument: aws.String(logsPolicy)}); err != nil {
		t.Fatalf("PutUserPolicy: %v", err)
	}
	inline, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("logs")})
	if err != nil || aws.ToString(inline.UserName) != "alice" || decodePolicy(t, inline.PolicyDocument) != logsPolicy {
		t.Fatalf("GetUserPolicy = %+v, %v", inline, err)
	}
	if names, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("alice")}); err != nil || !slices.Equal(names.PolicyNames, []string{"logs"}) {
		t.Errorf("ListUserPolicies = %+v, %v", names, err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", 409)
	if _, err := c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("logs")}); err != nil {
		t.Fatalf("DeleteUserPolicy: %v", err)
	}
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read"), PolicyDocument: aws.String(logsPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatalf("AttachUserPolicy: %v", err)
	}
	attached, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")})
	if err != nil || len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyName) != "read" {
		t.Fatalf("ListAttachedUserPolicies = %+v, %v", attached, err)
	}
	if got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: pol.Policy.Arn}); err != nil || aws.ToInt32(got.Policy.AttachmentCount) != 1 {
		t.Errorf("GetPolicy AttachmentCount = %+v, %v, want 1 (the user)", got, err)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: pol.Policy.Arn})
	wantAPIError(t, err, "DeleteConflict", 409)
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", 409)
	if _, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatalf("DetachUserPolicy: %v", err)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "NoSuchEntity", 404)
}

func TestAccessKeys(t *testing.T) {
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	c := iam.NewFromConfig(cfg)
	ctx := emulatortest.Context(t)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ci")}); err != nil {
		t.Fatal(err)
	}
	var keys []types.AccessKey
	for range 2 {
		out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
		if err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		k := *out.AccessKey
		if !regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`).MatchString(aws.ToString(k.AccessKeyId)) || len(aws.ToString(k.SecretAccessKey)) != 40 ||
			k.Status != types.StatusTypeActive || aws.ToString(k.UserName) != "ci" {
			t.Errorf("CreateAccessKey = %+v", k)
		}
		keys = append(keys, k)
	}
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci")})
	wantAPIError(t, err, "LimitExceeded", 409)
	list, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ci")})
	if err != nil || len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %+v, %v", list, err)
	}

	// The key signs: GetCallerIdentity names the user, and the user's own
	// IAM calls default to it.
	asUser := cfg.Copy()
	asUser.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(keys[0].AccessKeyId), aws.ToString(keys[0].SecretAccessKey), "")
	id, err := sts.NewFromConfig(asUser).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/ci" || aws.ToString(id.UserId) == "" {
		t.Fatalf("GetCallerIdentity with the user's key = %+v, %v", id, err)
	}
	self, err := iam.NewFromConfig(asUser).GetUser(ctx, &iam.GetUserInput{})
	if err != nil || aws.ToString(self.User.UserName) != "ci" || aws.ToString(self.User.UserId) != aws.ToString(id.UserId) {
		t.Fatalf("GetUser as the user = %+v, %v", self, err)
	}
	mine, err := iam.NewFromConfig(asUser).ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil || len(mine.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys as the user = %+v, %v", mine, err)
	}
	used, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: keys[0].AccessKeyId})
	if err != nil || aws.ToString(used.UserName) != "ci" || used.AccessKeyLastUsed.LastUsedDate == nil || aws.ToString(used.AccessKeyLastUsed.ServiceName) != "iam" {
		t.Errorf("GetAccessKeyLastUsed of a used key = %+v, %v", used.AccessKeyLastUsed, err)
	}
	unused, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: keys[1].AccessKeyId})
	if err != nil || unused.AccessKeyLastUsed.LastUsedDate != nil || aws.ToString(unused.AccessKeyLastUsed.ServiceName) != "N/A" {
		t.Errorf("GetAccessKeyLastUsed of an unused key = %+v, %v", unused.AccessKeyLastUsed, err)
	}

	// Deactivated, the key is refused at once; reactivated, it works again.
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: keys[0].AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}
	_, err = sts.NewFromConfig(asUser).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", 403)
	if _, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: keys[0].AccessKeyId, Status: types.StatusTypeActive}); err != nil {
		t.Fatalf("UpdateAccessKey: %v", err)
	}
	if _, err := sts.NewFromConfig(asUser).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity after reactivation: %v", err)
	}

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")})
	wantAPIError(t, err, "DeleteConflict", 409)
	for _, k := range keys {
		if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("ci"), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatalf("DeleteAccessKey: %v", err)
		}
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("ci")}); err != nil {
		t.Fatalf("DeleteUser once its keys are gone: %v", err)
	}
}

func TestUserErrors(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"create twice, other case", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("U")})
			return err
		}, "EntityAlreadyExists", 409},
		{"bad name", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("a b")})
			return err
		}, "ValidationError", 400},
		{"get missing", func() error {
			_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404},
		{"delete missing", func() error {
			_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404},
		{"key for a missing user", func() error {
			_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nope")})
			return err
		}, "NoSuchEntity", 404},
		{"key for the root", func() error {
			_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
			return err
		}, "InvalidInput", 400},
		{"update a key of no one", func() error {
			_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("u"), AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA"), Status: types.StatusTypeInactive})
			return err
		}, "NoSuchEntity", 404},
		{"update without the user, as the root", func() error {
			_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: key.AccessKey.AccessKeyId, Status: types.StatusTypeInactive})
			return err
		}, "NoSuchEntity", 404},
		{"update to a bad status", func() error {
			_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("u"), AccessKeyId: key.AccessKey.AccessKeyId, Status: "Paused"})
			return err
		}, "ValidationError", 400},
		{"delete a malformed key id", func() error {
			_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("u"), AccessKeyId: aws.String("short")})
			return err
		}, "ValidationError", 400},
		{"last use of an unknown key", func() error {
			_, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA")})
			return err
		}, "NoSuchEntity", 404},
		{"inline policy of a missing user", func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nope"), PolicyName: aws.String("p"), PolicyDocument: aws.String(logsPolicy)})
			return err
		}, "NoSuchEntity", 404},
		{"get a missing inline policy", func() error {
			_, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("none")})
			return err
		}, "NoSuchEntity", 404},
		{"attach an unknown policy", func() error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/ghost")})
			return err
		}, "NoSuchEntity", 404},
		{"detach what is not attached", func() error {
			_, err := c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(basicExecution)})
			return err
		}, "NoSuchEntity", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.status)
		})
	}
}
