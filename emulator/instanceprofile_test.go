package emulator_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// TestRunInstancesWithInstanceProfile launches instances with an IAM
// instance profile named by name and by ARN; DescribeInstances shows it,
// and a profile IAM does not know is refused as AWS refuses it.
func TestRunInstancesWithInstanceProfile(t *testing.T) {
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	ctx := emulatortest.Context(t)
	admin := iam.NewFromConfig(cfg)
	if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(trustPolicy)}); err != nil {
		t.Fatal(err)
	}
	ip, err := admin.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web"), Path: aws.String("/app/")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	arn, id := aws.ToString(ip.InstanceProfile.Arn), aws.ToString(ip.InstanceProfile.InstanceProfileId)
	c := ec2.NewFromConfig(cfg)
	run := func(spec *ec2types.IamInstanceProfileSpecification) (*ec2.RunInstancesOutput, error) {
		return c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), IamInstanceProfile: spec})
	}
	for name, spec := range map[string]*ec2types.IamInstanceProfileSpecification{
		"by name": {Name: aws.String("web")},
		"by ARN":  {Arn: aws.String(arn)},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := run(spec)
			if err != nil {
				t.Fatalf("RunInstances: %v", err)
			}
			if got := out.Instances[0].IamInstanceProfile; got == nil || aws.ToString(got.Arn) != arn || aws.ToString(got.Id) != id {
				t.Errorf("RunInstances IamInstanceProfile = %+v, want %s %s", got, arn, id)
			}
			desc, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{aws.ToString(out.Instances[0].InstanceId)}})
			if err != nil {
				t.Fatal(err)
			}
			if got := desc.Reservations[0].Instances[0].IamInstanceProfile; got == nil || aws.ToString(got.Arn) != arn || aws.ToString(got.Id) != id {
				t.Errorf("DescribeInstances IamInstanceProfile = %+v, want %s %s", got, arn, id)
			}
		})
	}
	for _, tc := range []struct {
		spec *ec2types.IamInstanceProfileSpecification
		msg  string
	}{
		{&ec2types.IamInstanceProfileSpecification{Name: aws.String("nope")}, "Value (nope) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"},
		{&ec2types.IamInstanceProfileSpecification{Arn: aws.String("arn:aws:iam::000000000000:instance-profile/web")},
			"Value (arn:aws:iam::000000000000:instance-profile/web) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"},
	} {
		_, err := run(tc.spec)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" || ae.ErrorMessage() != tc.msg {
			t.Errorf("RunInstances with an unknown profile = %v, want InvalidParameterValue %q", err, tc.msg)
		}
	}
}
