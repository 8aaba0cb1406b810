package ec2_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// Waiters poll fast in tests; their deadline stays generous.
const (
	pollMin = 20 * time.Millisecond
	pollMax = 200 * time.Millisecond
	waitFor = 20 * time.Second
)

// must fails the test on err, naming the step.
func must[T any](t *testing.T, step string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return v
	}
}

// TestLaunchInNewVPC is the tutorial script: a VPC with DNS hostnames, a
// public subnet, an internet gateway and a route to it, a security group
// open on 22, a key pair, an instance; then the teardown in the order AWS
// requires, each premature delete refused with DependencyViolation.
func TestLaunchInNewVPC(t *testing.T) {
	c := newClient(t, emulatortest.WithTransitionDelay(100*time.Millisecond))
	ctx := emulatortest.Context(t)

	vpc := must[*ec2.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
	vpcID := vpc.Vpc.VpcId
	if err := ec2.NewVpcAvailableWaiter(c, func(o *ec2.VpcAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = pollMin, pollMax }).
		Wait(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*vpcID}}, waitFor); err != nil {
		t.Fatalf("VpcAvailable: %v", err)
	}
	must[*ec2.ModifyVpcAttributeOutput](t, "ModifyVpcAttribute")(c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpcID, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	attr := must[*ec2.DescribeVpcAttributeOutput](t, "DescribeVpcAttribute")(c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: vpcID, Attribute: types.VpcAttributeNameEnableDnsHostnames}))
	if attr.EnableDnsHostnames == nil || !aws.ToBool(attr.EnableDnsHostnames.Value) {
		t.Errorf("enableDnsHostnames = %+v, want true", attr.EnableDnsHostnames)
	}
	support := must[*ec2.DescribeVpcAttributeOutput](t, "DescribeVpcAttribute")(c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: vpcID, Attribute: types.VpcAttributeNameEnableDnsSupport}))
	if support.EnableDnsSupport == nil || !aws.ToBool(support.EnableDnsSupport.Value) {
		t.Errorf("enableDnsSupport = %+v, want true", support.EnableDnsSupport)
	}

	subnet := must[*ec2.CreateSubnetOutput](t, "CreateSubnet")(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1b")}))
	subnetID := subnet.Subnet.SubnetId
	if err := ec2.NewSubnetAvailableWaiter(c, func(o *ec2.SubnetAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = pollMin, pollMax }).
		Wait(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{*subnetID}}, waitFor); err != nil {
		t.Fatalf("SubnetAvailable: %v", err)
	}
	if aws.ToInt32(subnet.Subnet.AvailableIpAddressCount) != 251 || aws.ToBool(subnet.Subnet.MapPublicIpOnLaunch) {
		t.Errorf("new subnet: %d free, public=%v; want 251, false", aws.ToInt32(subnet.Subnet.AvailableIpAddressCount), aws.ToBool(subnet.Subnet.MapPublicIpOnLaunch))
	}
	must[*ec2.ModifySubnetAttributeOutput](t, "ModifySubnetAttribute")(c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: subnetID, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))

	igw := must[*ec2.CreateInternetGatewayOutput](t, "CreateInternetGateway")(c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{}))
	igwID := igw.InternetGateway.InternetGatewayId
	if err := ec2.NewInternetGatewayExistsWaiter(c, func(o *ec2.InternetGatewayExistsWaiterOptions) { o.MinDelay, o.MaxDelay = pollMin, pollMax }).
		Wait(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{*igwID}}, waitFor); err != nil {
		t.Fatalf("InternetGatewayExists: %v", err)
	}
	must[*ec2.AttachInternetGatewayOutput](t, "AttachInternetGateway")(c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpcID}))
	rtb := must[*ec2.CreateRouteTableOutput](t, "CreateRouteTable")(c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpcID}))
	rtbID := rtb.RouteTable.RouteTableId
	must[*ec2.CreateRouteOutput](t, "CreateRoute")(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtbID, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igwID}))
	assoc := must[*ec2.AssociateRouteTableOutput](t, "AssociateRouteTable")(c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rtbID, SubnetId: subnetID}))

	sg := must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("ssh"), Description: aws.String("SSH in"), VpcId: vpcID}))
	if err := ec2.NewSecurityGroupExistsWaiter(c, func(o *ec2.SecurityGroupExistsWaiterOptions) { o.MinDelay, o.MaxDelay = pollMin, pollMax }).
		Wait(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}}, waitFor); err != nil {
		t.Fatalf("SecurityGroupExists: %v", err)
	}
	rules := must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "AuthorizeSecurityGroupIngress")(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: sg.GroupId, IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIp: aws.String("0.0.0.0/0")}))
	if len(rules.SecurityGroupRules) != 1 || aws.ToInt32(rules.SecurityGroupRules[0].FromPort) != 22 || aws.ToString(rules.SecurityGroupRules[0].CidrIpv4) != "0.0.0.0/0" {
		t.Errorf("authorized rules = %+v", rules.SecurityGroupRules)
	}
	must[*ec2.CreateKeyPairOutput](t, "CreateKeyPair")(c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("lab")}))

	run := must[*ec2.RunInstancesOutput](t, "RunInstances")(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnetID, SecurityGroupIds: []string{*sg.GroupId}, KeyName: aws.String("lab")}))
	id := aws.ToString(run.Instances[0].InstanceId)
	if err := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) { o.MinDelay, o.MaxDelay = pollMin, pollMax }).
		Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, waitFor); err != nil {
		t.Fatalf("InstanceRunning: %v", err)
	}
	inst := describeOne(t, c, id)
	checkPlacement(t, inst, *vpcID, *sg.GroupId, "10.0.1.0/24", true)
	if aws.ToString(inst.KeyName) != "lab" || aws.ToString(inst.Placement.AvailabilityZone) != "us-east-1b" {
		t.Errorf("key %q zone %q, want lab in us-east-1b", aws.ToString(inst.KeyName), aws.ToString(inst.Placement.AvailabilityZone))
	}

	// Teardown: each step refused while something still depends on it.
	refused := []struct {
		name string
		call func(context.Context) error
	}{
		{"delete vpc", func(ctx context.Context) error {
			_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcID})
			return err
		}},
		{"delete subnet", func(ctx context.Context) error {
			_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: subnetID})
			return err
		}},
		{"delete group", func(ctx context.Context) error {
			_, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
			return err
		}},
		{"detach gateway with public addresses", func(ctx context.Context) error {
			_, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpcID})
			return err
		}},
		{"delete attached gateway", func(ctx context.Context) error {
			_, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: igwID})
			return err
		}},
		{"delete associated route table", func(ctx context.Context) error {
			_, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rtbID})
			return err
		}},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) { wantCode(t, r.call(ctx), "DependencyViolation") })
	}
	must[*ec2.TerminateInstancesOutput](t, "TerminateInstances")(c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	if err := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) { o.MinDelay, o.MaxDelay = pollMin, pollMax }).
		Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, waitFor); err != nil {
		t.Fatalf("InstanceTerminated: %v", err)
	}
	must[*ec2.DeleteSecurityGroupOutput](t, "DeleteSecurityGroup")(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}))
	must[*ec2.DisassociateRouteTableOutput](t, "DisassociateRouteTable")(c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId}))
	must[*ec2.DeleteRouteTableOutput](t, "DeleteRouteTable")(c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: rtbID}))
	must[*ec2.DetachInternetGatewayOutput](t, "DetachInternetGateway")(c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: igwID, VpcId: vpcID}))
	must[*ec2.DeleteInternetGatewayOutput](t, "DeleteInternetGateway")(c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: igwID}))
	must[*ec2.DeleteSubnetOutput](t, "DeleteSubnet")(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: subnetID}))
	must[*ec2.DeleteVpcOutput](t, "DeleteVpc")(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcID}))
	_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{*vpcID}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	// The VPC's default group and main route table went with it.
	left, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", *vpcID)}})
	if err != nil || len(left.SecurityGroups) != 0 {
		t.Errorf("groups of the deleted VPC: %+v, %v", left, err)
	}
}
