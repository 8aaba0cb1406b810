package main_test

import (
	"testing"

	"github.com/apidriven/api-driven/emulator/ec2"
)

const describePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`

// asKey makes a case sign with the access key saved as {KEY}/{SECRET}, as a
// user exporting them in the shell would.
var asKey = []string{"AWS_ACCESS_KEY_ID={KEY}", "AWS_SECRET_ACCESS_KEY={SECRET}"}

// iamUserCases drive users and their access keys, policy versions and
// instance profiles with the aws CLI, with the failures' codes and HTTP
// statuses.
func iamUserCases() []cliCase {
	profile := func(cmd string, extra ...string) []string {
		return append([]string{"iam", cmd, "--instance-profile-name", "cli-profile"}, extra...)
	}
	return []cliCase{
		{name: "create user", args: []string{"iam", "create-user", "--user-name", "cli-user", "--path", "/ops/"},
			want: map[string]string{"User.Arn": "arn:aws:iam::000000000000:user/ops/cli-user", "User.Path": "/ops/"}},
		{name: "wait user exists", args: []string{"iam", "wait", "user-exists", "--user-name", "cli-user"}},
		{name: "create user twice", args: []string{"iam", "create-user", "--user-name", "cli-user"}, wantErr: "EntityAlreadyExists", wantStatus: 409},
		{name: "put user policy", args: []string{"iam", "put-user-policy", "--user-name", "cli-user", "--policy-name", "read", "--policy-document", describePolicy}},
		{name: "create access key", args: []string{"iam", "create-access-key", "--user-name", "cli-user"},
			want: map[string]string{"AccessKey.Status": "Active", "AccessKey.UserName": "cli-user"},
			save: map[string]string{"KEY": "AccessKey.AccessKeyId", "SECRET": "AccessKey.SecretAccessKey"}},
		{name: "create second key", args: []string{"iam", "create-access-key", "--user-name", "cli-user"}},
		{name: "third key is over the quota", args: []string{"iam", "create-access-key", "--user-name", "cli-user"}, wantErr: "LimitExceeded", wantStatus: 409},
		{name: "caller identity with the key", args: []string{"sts", "get-caller-identity"}, env: asKey,
			want: map[string]string{"Arn": "arn:aws:iam::000000000000:user/ops/cli-user", "Account": "000000000000"}},
		{name: "key last used", args: []string{"iam", "get-access-key-last-used", "--access-key-id", "{KEY}"},
			want: map[string]string{"UserName": "cli-user", "AccessKeyLastUsed.ServiceName": "sts"}},
		{name: "deactivate the first key", args: []string{"iam", "update-access-key", "--user-name", "cli-user", "--access-key-id", "{KEY}", "--status", "Inactive"}},
		{name: "a deactivated key is refused", args: []string{"sts", "get-caller-identity"}, env: asKey, wantErr: "InvalidClientTokenId", wantStatus: 403},
		{name: "delete user with keys", args: []string{"iam", "delete-user", "--user-name", "cli-user"}, wantErr: "DeleteConflict", wantStatus: 409},

		{name: "create policy", args: []string{"iam", "create-policy", "--policy-name", "cli-policy", "--policy-document", describePolicy},
			save: map[string]string{"POLICY": "Policy.Arn"}},
		{name: "new default version", args: []string{"iam", "create-policy-version", "--policy-arn", "{POLICY}", "--policy-document", logsPolicy, "--set-as-default"},
			want: map[string]string{"PolicyVersion.VersionId": "v2", "PolicyVersion.IsDefaultVersion": "true"}},
		{name: "get the first version", args: []string{"iam", "get-policy-version", "--policy-arn", "{POLICY}", "--version-id", "v1"},
			want: map[string]string{"PolicyVersion.IsDefaultVersion": "false", "PolicyVersion.Document.Statement.0.Action": "ec2:DescribeInstances"}},
		{name: "list versions", args: []string{"iam", "list-policy-versions", "--policy-arn", "{POLICY}"},
			want: map[string]string{"Versions.0.VersionId": "v2", "Versions.1.VersionId": "v1"}},
		{name: "delete the default version", args: []string{"iam", "delete-policy-version", "--policy-arn", "{POLICY}", "--version-id", "v2"}, wantErr: "DeleteConflict", wantStatus: 409},
		{name: "get a malformed version", args: []string{"iam", "get-policy-version", "--policy-arn", "{POLICY}", "--version-id", "latest"}, wantErr: "ValidationError", wantStatus: 400},

		{name: "create role", args: []string{"iam", "create-role", "--role-name", "cli-ec2", "--assume-role-policy-document", trustPolicy}},
		{name: "create instance profile", args: profile("create-instance-profile"),
			want: map[string]string{"InstanceProfile.Arn": "arn:aws:iam::000000000000:instance-profile/cli-profile"}},
		{name: "wait instance profile exists", args: []string{"iam", "wait", "instance-profile-exists", "--instance-profile-name", "cli-profile"}},
		{name: "add role", args: profile("add-role-to-instance-profile", "--role-name", "cli-ec2")},
		{name: "add a second role", args: profile("add-role-to-instance-profile", "--role-name", "cli-ec2"), wantErr: "LimitExceeded", wantStatus: 409},
		{name: "profiles for the role", args: []string{"iam", "list-instance-profiles-for-role", "--role-name", "cli-ec2"},
			want: map[string]string{"InstanceProfiles.0.InstanceProfileName": "cli-profile", "InstanceProfiles.0.Roles.0.RoleName": "cli-ec2"}},
		{name: "run an instance with the profile", args: []string{"ec2", "run-instances", "--image-id", ec2.DefaultImageID, "--count", "1", "--iam-instance-profile", "Name=cli-profile"},
			want: map[string]string{"Instances.0.IamInstanceProfile.Arn": "arn:aws:iam::000000000000:instance-profile/cli-profile"},
			save: map[string]string{"INSTANCE": "Instances.0.InstanceId", "PROFILE_ID": "Instances.0.IamInstanceProfile.Id"}},
		{name: "describe shows the profile", args: []string{"ec2", "describe-instances", "--instance-ids", "{INSTANCE}"},
			want: map[string]string{"Reservations.0.Instances.0.IamInstanceProfile.Id": "{PROFILE_ID}"}},
		{name: "run with an unknown profile", args: []string{"ec2", "run-instances", "--image-id", ec2.DefaultImageID, "--count", "1", "--iam-instance-profile", "Name=nope"},
			wantErr: "InvalidParameterValue", wantStatus: 400},
		{name: "delete a role in a profile", args: []string{"iam", "delete-role", "--role-name", "cli-ec2"}, wantErr: "DeleteConflict", wantStatus: 409},
	}
}

// TestCLIStrictUserKeys signs aws CLI calls with an IAM user's access key
// exported in the environment, in strict mode: what the user's policy
// allows works, the rest is denied, and a deactivated key is refused.
func TestCLIStrictUserKeys(t *testing.T) {
	t.Parallel()
	requireAWSCLI(t)
	e := startEmulator(t, "-transition-delay", "0", "-enforce-iam")
	runCases(t, e, []cliCase{
		{name: "create user", args: []string{"iam", "create-user", "--user-name", "viewer"}},
		{name: "allow describe", args: []string{"iam", "put-user-policy", "--user-name", "viewer", "--policy-name", "read", "--policy-document", describePolicy}},
		{name: "create key", args: []string{"iam", "create-access-key", "--user-name", "viewer"},
			save: map[string]string{"KEY": "AccessKey.AccessKeyId", "SECRET": "AccessKey.SecretAccessKey"}},
		{name: "run instance as root", args: []string{"ec2", "run-instances", "--image-id", ec2.DefaultImageID, "--count", "1"},
			save: map[string]string{"INSTANCE": "Instances.0.InstanceId"}},
		{name: "who am I", args: []string{"sts", "get-caller-identity"}, env: asKey, want: map[string]string{"Arn": "arn:aws:iam::000000000000:user/viewer"}},
		{name: "describe is allowed", args: []string{"ec2", "describe-instances", "--instance-ids", "{INSTANCE}"}, env: asKey,
			want: map[string]string{"Reservations.0.Instances.0.InstanceId": "{INSTANCE}"}},
		{name: "stop is denied", args: []string{"ec2", "stop-instances", "--instance-ids", "{INSTANCE}"}, env: asKey, wantErr: "UnauthorizedOperation", wantStatus: 403},
		{name: "deactivate the key", args: []string{"iam", "update-access-key", "--user-name", "viewer", "--access-key-id", "{KEY}", "--status", "Inactive"}},
		{name: "a deactivated key is refused", args: []string{"ec2", "describe-instances"}, env: asKey, wantErr: "AuthFailure", wantStatus: 401},
	})
}
