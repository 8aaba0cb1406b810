package ec2_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

func TestRebootInstances(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	id := launchOne(t, c)
	must[*ec2.RebootInstancesOutput](t, "RebootInstances")(c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id}}))
	if st := stateOf(t, c, id); st != types.InstanceStateNameRunning {
		t.Errorf("state after reboot = %s, want running", st)
	}
	if _, err := stop(ctx, c, []string{id}); err != nil {
		t.Fatal(err)
	}
	_, err := c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState")
	_, err = c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

func TestInstanceAttributes(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	id := launchOne(t, c)
	describe := func(attr types.InstanceAttributeName) *ec2.DescribeInstanceAttributeOutput {
		t.Helper()
		return must[*ec2.DescribeInstanceAttributeOutput](t, "DescribeInstanceAttribute "+string(attr))(c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: attr}))
	}
	modify := func(in ec2.ModifyInstanceAttributeInput) error {
		in.InstanceId = aws.String(id)
		_, err := c.ModifyInstanceAttribute(ctx, &in)
		return err
	}
	userData := base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n"))

	// While running: the type and user data are refused.
	wantCode(t, modify(ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}}), "IncorrectInstanceState")
	wantCode(t, modify(ec2.ModifyInstanceAttributeInput{UserData: &types.SecureBlobAttributeValue{Value: []byte("#!/bin/sh\n")}}), "IncorrectInstanceState")
	if got := describe(types.InstanceAttributeNameInstanceType).InstanceType; aws.ToString(got.Value) != "t3.micro" {
		t.Errorf("instance type = %q after a refused change", aws.ToString(got.Value))
	}
	// Protections apply in any state and Stop/Terminate honour them.
	wantCode(t, modify(ec2.ModifyInstanceAttributeInput{DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)}}), "")
	wantCode(t, modify(ec2.ModifyInstanceAttributeInput{DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}), "")
	if !aws.ToBool(describe(types.InstanceAttributeNameDisableApiStop).DisableApiStop.Value) ||
		!aws.ToBool(describe(types.InstanceAttributeNameDisableApiTermination).DisableApiTermination.Value) {
		t.Error("protections not reported")
	}
	_, err := stop(ctx, c, []string{id})
	wantCode(t, err, "OperationNotPermitted")
	_, err = terminate(ctx, c, []string{id})
	wantCode(t, err, "OperationNotPermitted")
	wantCode(t, modify(ec2.ModifyInstanceAttributeInput{Attribute: types.InstanceAttributeNameDisableApiStop, Value: aws.String("false")}), "")
	if _, err := stop(ctx, c, []string{id}); err != nil {
		t.Fatalf("stop after lifting disableApiStop: %v", err)
	}

	// Stopped: the type changes within the AMI's architecture, the user
	// data changes.
	tests := []struct {
		name string
		in   ec2.ModifyInstanceAttributeInput
		code string
	}{
		{"arm64 type on an x86_64 AMI", ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("t4g.small")}}, "InvalidParameterValue"},
		{"type that does not exist", ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("t3.mega")}}, "InvalidParameterValue"},
		{"two attributes", ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}, DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)}}, "InvalidParameterCombination"},
		{"unknown group", ec2.ModifyInstanceAttributeInput{Groups: []string{unknownGroup}}, "InvalidGroup.NotFound"},
		{"new type", ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("m7i.large")}}, ""},
		{"user data", ec2.ModifyInstanceAttributeInput{UserData: &types.SecureBlobAttributeValue{Value: []byte("#!/bin/sh\necho hi\n")}}, ""},
		{"shutdown behaviour", ec2.ModifyInstanceAttributeInput{InstanceInitiatedShutdownBehavior: &types.AttributeValue{Value: aws.String("terminate")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, modify(tt.in), tt.code) })
	}
	if got := aws.ToString(describe(types.InstanceAttributeNameInstanceType).InstanceType.Value); got != "m7i.large" {
		t.Errorf("instance type = %s, want m7i.large", got)
	}
	if got := aws.ToString(describe(types.InstanceAttributeNameUserData).UserData.Value); got != userData {
		t.Errorf("user data = %q, want %q", got, userData)
	}
	if got := aws.ToString(describe(types.InstanceAttributeNameInstanceInitiatedShutdownBehavior).InstanceInitiatedShutdownBehavior.Value); got != "terminate" {
		t.Errorf("shutdown behaviour = %s", got)
	}
	if inst := describeOne(t, c, id); inst.InstanceType != "m7i.large" {
		t.Errorf("DescribeInstances shows type %s after the change", inst.InstanceType)
	}
	// Security groups of the instance's VPC.
	sg := must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app")}))
	wantCode(t, modify(ec2.ModifyInstanceAttributeInput{Groups: []string{*sg.GroupId}}), "")
	groups := describe(types.InstanceAttributeNameGroupSet).Groups
	if len(groups) != 1 || aws.ToString(groups[0].GroupId) != *sg.GroupId || aws.ToString(groups[0].GroupName) != "app" {
		t.Errorf("groupSet = %+v", groups)
	}
	_, err = c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: "colour"})
	wantCode(t, err, "InvalidParameterValue")
}

// TestLaunchValidation holds RunInstances to AWS's checks.
func TestLaunchValidation(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	tags := func(n int, prefix string) []types.Tag {
		out := make([]types.Tag, n)
		for i := range out {
			out[i] = tag(fmt.Sprintf("%s%d", prefix, i), "v")
		}
		return out
	}
	base := func() *ec2.RunInstancesInput {
		return &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: types.InstanceTypeT3Micro}
	}
	tests := []struct {
		name   string
		mutate func(*ec2.RunInstancesInput)
		code   string
	}{
		{"type that does not exist", func(in *ec2.RunInstancesInput) { in.InstanceType = "t3.mega" }, "InvalidParameterValue"},
		{"arm64 ami on x86_64 type", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-0c5d8d4e0a4f2b1e6") }, "InvalidParameterValue"},
		{"51 tags over two specifications", func(in *ec2.RunInstancesInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: tags(30, "a")}, {ResourceType: types.ResourceTypeInstance, Tags: tags(21, "b")}}
		}, "TagLimitExceeded"},
		{"50 tags over two specifications", func(in *ec2.RunInstancesInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: tags(30, "a")}, {ResourceType: types.ResourceTypeInstance, Tags: tags(20, "b")}}
		}, ""},
		{"volume tags count apart", func(in *ec2.RunInstancesInput) {
			in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: tags(50, "a")}, {ResourceType: types.ResourceTypeVolume, Tags: tags(50, "b")}}
		}, ""},
		{"private subnet without public address", func(in *ec2.RunInstancesInput) {
			in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(false)}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.mutate(in)
			_, err := c.RunInstances(ctx, in)
			wantCode(t, err, tt.code)
		})
	}

	// The same client token with other arguments is refused; with the same
	// ones it answers the first launch.
	first := must[*ec2.RunInstancesOutput](t, "RunInstances")(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("once")}))
	again := must[*ec2.RunInstancesOutput](t, "RunInstances retry")(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("once")}))
	if aws.ToString(again.ReservationId) != aws.ToString(first.ReservationId) {
		t.Errorf("retry made reservation %s, want %s", aws.ToString(again.ReservationId), aws.ToString(first.ReservationId))
	}
	_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ClientToken: aws.String("once"), InstanceType: types.InstanceTypeT3Large})
	wantCode(t, err, "IdempotentParameterMismatch")

	// AssociatePublicIpAddress=false in a public subnet: no public address.
	var private string
	out := must[*ec2.DescribeInstancesOutput](t, "DescribeInstances")(c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}))
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if len(in.NetworkInterfaces) == 1 && in.NetworkInterfaces[0].Association == nil {
				private = aws.ToString(in.InstanceId)
			}
		}
	}
	if private == "" {
		t.Error("no instance launched without a public address")
	}
}
