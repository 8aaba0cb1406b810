package ec2_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const defaultImage = emuec2.DefaultImageID

// newClient starts an emulator and returns an EC2 client for it.
func newClient(t *testing.T, opts ...emulatortest.Option) *ec2.Client {
	t.Helper()
	srv := emulatortest.Start(t, opts...)
	return ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL()))
}

// launch runs count instances of the default image with the given tags.
func launch(t *testing.T, c *ec2.Client, count int32, tags ...types.Tag) *ec2.RunInstancesOutput {
	t.Helper()
	in := &ec2.RunInstancesInput{
		ImageId:      aws.String(emuec2.DefaultImageID),
		InstanceType: types.InstanceTypeT3Micro,
		MinCount:     aws.Int32(count),
		MaxCount:     aws.Int32(count),
	}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: tags}}
	}
	out, err := c.RunInstances(emulatortest.Context(t), in)
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if len(out.Instances) != int(count) {
		t.Fatalf("RunInstances launched %d instances, want %d", len(out.Instances), count)
	}
	return out
}

func launchOne(t *testing.T, c *ec2.Client, tags ...types.Tag) string {
	t.Helper()
	return aws.ToString(launch(t, c, 1, tags...).Instances[0].InstanceId)
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

// describeOne returns the instance as DescribeInstances reports it.
func describeOne(t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(emulatortest.Context(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeInstances(%s): %v", id, err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances(%s) = %d reservations, want 1 with 1 instance", id, len(out.Reservations))
	}
	return out.Reservations[0].Instances[0]
}

func stateOf(t *testing.T, c *ec2.Client, id string) types.InstanceStateName {
	t.Helper()
	return describeOne(t, c, id).State.Name
}

// wantCode asserts err is an AWS API error with the given code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code)
	}
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// allInstances flattens reservations into instance ids.
func allInstances(res []types.Reservation) []string {
	var ids []string
	for _, r := range res {
		for _, in := range r.Instances {
			ids = append(ids, aws.ToString(in.InstanceId))
		}
	}
	return ids
}
