package ec2_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

const unknownVPC, unknownSubnet, unknownGroup = "vpc-0123456789abcdef0", "subnet-0123456789abcdef0", "sg-0123456789abcdef0"

// TestNetworkErrors runs each refused call against one VPC with a subnet,
// a group, a route table and an attached gateway, and expects AWS's code.
func TestNetworkErrors(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	vpc := must[*ec2.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
	vpcID := vpc.Vpc.VpcId
	subnet := must[*ec2.CreateSubnetOutput](t, "CreateSubnet")(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.0.1.0/24")}))
	sg := must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: vpcID}))
	igw := must[*ec2.CreateInternetGatewayOutput](t, "CreateInternetGateway")(c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{}))
	spare := must[*ec2.CreateInternetGatewayOutput](t, "CreateInternetGateway")(c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{}))
	must[*ec2.AttachInternetGatewayOutput](t, "AttachInternetGateway")(c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpcID}))
	rtb := must[*ec2.CreateRouteTableOutput](t, "CreateRouteTable")(c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpcID}))
	must[*ec2.CreateRouteOutput](t, "CreateRoute")(c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId}))
	must[*ec2.AssociateRouteTableOutput](t, "AssociateRouteTable")(c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rtb.RouteTable.RouteTableId, SubnetId: subnet.Subnet.SubnetId}))
	ssh := []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "AuthorizeSecurityGroupIngress")(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: ssh}))
	def := must[*ec2.DescribeSecurityGroupsOutput](t, "DescribeSecurityGroups")(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", *vpcID), filter("group-name", "default")}}))

	tests := []struct {
		name string
		call func(context.Context) error
		code string
	}{
		{"vpc too large", func(ctx context.Context) error {
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")})
			return err
		}, "InvalidVpc.Range"},
		{"vpc too small", func(ctx context.Context) error {
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/29")})
			return err
		}, "InvalidVpc.Range"},
		{"vpc cidr with host bits", func(ctx context.Context) error {
			_, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.1/16")})
			return err
		}, "InvalidParameterValue"},
		{"vpc without cidr", func(ctx context.Context) error { _, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{}); return err }, "MissingParameter"},
		{"subnet outside the vpc", func(ctx context.Context) error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.1.0.0/24")})
			return err
		}, "InvalidSubnet.Range"},
		{"subnet overlapping another", func(ctx context.Context) error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.0.1.128/25")})
			return err
		}, "InvalidSubnet.Conflict"},
		{"subnet too small", func(ctx context.Context) error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.0.2.0/29")})
			return err
		}, "InvalidSubnet.Range"},
		{"subnet in an unknown zone", func(ctx context.Context) error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("eu-west-1a")})
			return err
		}, "InvalidParameterValue"},
		{"subnet of an unknown vpc", func(ctx context.Context) error {
			_, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(unknownVPC), CidrBlock: aws.String("10.0.2.0/24")})
			return err
		}, "InvalidVpcID.NotFound"},
		{"describe malformed vpc", func(ctx context.Context) error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-nope"}})
			return err
		}, "InvalidVpcID.Malformed"},
		{"describe unknown subnet", func(ctx context.Context) error {
			_, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{unknownSubnet}})
			return err
		}, "InvalidSubnetID.NotFound"},
		{"describe unknown group", func(ctx context.Context) error {
			_, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{unknownGroup}})
			return err
		}, "InvalidGroup.NotFound"},
		{"describe unknown group name", func(ctx context.Context) error {
			_, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"nope"}})
			return err
		}, "InvalidGroup.NotFound"},
		{"unknown filter", func(ctx context.Context) error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("colour", "blue")}})
			return err
		}, "InvalidParameterValue"},
		{"duplicate group", func(ctx context.Context) error {
			_, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("again"), VpcId: vpcID})
			return err
		}, "InvalidGroup.Duplicate"},
		{"group named default", func(ctx context.Context) error {
			_, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("default"), Description: aws.String("x"), VpcId: vpcID})
			return err
		}, "InvalidGroup.Reserved"},
		{"duplicate rule", func(ctx context.Context) error {
			_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: ssh})
			return err
		}, "InvalidPermission.Duplicate"},
		{"rule with a bad port range", func(ctx context.Context) error {
			_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpProtocol: aws.String("tcp"), FromPort: aws.Int32(90), ToPort: aws.Int32(80), CidrIp: aws.String("10.0.0.0/8")})
			return err
		}, "InvalidParameterValue"},
		{"rule with an unknown protocol", func(ctx context.Context) error {
			_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpProtocol: aws.String("tcpp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), CidrIp: aws.String("10.0.0.0/8")})
			return err
		}, "InvalidParameterValue"},
		{"rule with a bad cidr", func(ctx context.Context) error {
			_, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/33")}}}}})
			return err
		}, "InvalidParameterValue"},
		{"revoke a rule that does not exist", func(ctx context.Context) error {
			_, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
			return err
		}, "InvalidPermission.NotFound"},
		{"revoke an unknown rule id", func(ctx context.Context) error {
			_, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: sg.GroupId, SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}})
			return err
		}, "InvalidSecurityGroupRuleId.NotFound"},
		{"delete the default group", func(ctx context.Context) error {
			_, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: def.SecurityGroups[0].GroupId})
			return err
		}, "CannotDelete"},
		{"attach a second gateway", func(ctx context.Context) error {
			_, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: spare.InternetGateway.InternetGatewayId, VpcId: vpcID})
			return err
		}, "Resource.AlreadyAssociated"},
		{"detach a gateway not attached", func(ctx context.Context) error {
			_, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: spare.InternetGateway.InternetGatewayId, VpcId: vpcID})
			return err
		}, "Gateway.NotAttached"},
		{"route twice", func(ctx context.Context) error {
			_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId})
			return err
		}, "RouteAlreadyExists"},
		{"route to a gateway of another network", func(ctx context.Context) error {
			_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("192.168.0.0/16"), GatewayId: spare.InternetGateway.InternetGatewayId})
			return err
		}, "InvalidParameterValue"},
		{"replace a route that does not exist", func(ctx context.Context) error {
			_, err := c.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("192.168.0.0/16"), GatewayId: igw.InternetGateway.InternetGatewayId})
			return err
		}, "InvalidRoute.NotFound"},
		{"delete the local route", func(ctx context.Context) error {
			_, err := c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("10.0.0.0/16")})
			return err
		}, "InvalidParameterValue"},
		{"associate a subnet twice", func(ctx context.Context) error {
			_, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rtb.RouteTable.RouteTableId, SubnetId: subnet.Subnet.SubnetId})
			return err
		}, "Resource.AlreadyAssociated"},
		{"disassociate an unknown association", func(ctx context.Context) error {
			_, err := c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String("rtbassoc-0123456789abcdef0")})
			return err
		}, "InvalidAssociationID.NotFound"},
		{"route through a nat gateway", func(ctx context.Context) error {
			_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtb.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("192.168.0.0/16"), NatGatewayId: aws.String("nat-0123456789abcdef0")})
			return err
		}, "UnsupportedOperation"},
		{"delete a vpc with dependencies", func(ctx context.Context) error {
			_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcID})
			return err
		}, "DependencyViolation"},
		{"delete an attached gateway", func(ctx context.Context) error {
			_, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId})
			return err
		}, "DependencyViolation"},
		{"dns attributes at once", func(ctx context.Context) error {
			_, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: vpcID, EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
			return err
		}, "InvalidParameterCombination"},
		{"launch in an unknown subnet", func(ctx context.Context) error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(unknownSubnet)})
			return err
		}, "InvalidSubnetID.NotFound"},
		{"launch with an unknown group", func(ctx context.Context) error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SecurityGroupIds: []string{unknownGroup}})
			return err
		}, "InvalidGroup.NotFound"},
		{"launch with a group of another vpc", func(ctx context.Context) error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SecurityGroupIds: []string{*sg.GroupId}})
			return err
		}, "InvalidGroup.NotFound"},
		{"launch with a zone the subnet is not in", func(ctx context.Context) error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnet.Subnet.SubnetId,
				Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1f")}})
			return err
		}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.call(ctx), tt.code) })
	}
	// Failed calls changed nothing: one VPC of ours, the rule still single.
	vpcs := must[*ec2.DescribeVpcsOutput](t, "DescribeVpcs")(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "false")}}))
	groups := must[*ec2.DescribeSecurityGroupsOutput](t, "DescribeSecurityGroups")(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}}))
	if len(vpcs.Vpcs) != 1 || len(groups.SecurityGroups[0].IpPermissions) != 1 || len(groups.SecurityGroups[0].IpPermissionsEgress) != 1 {
		t.Errorf("after the refused calls: %d VPCs, ingress %+v, egress %+v", len(vpcs.Vpcs), groups.SecurityGroups[0].IpPermissions, groups.SecurityGroups[0].IpPermissionsEgress)
	}
}

// Rules are revoked by value or by id; a partial match revokes what
// exists and lists the rest as unknown.
func TestRevokeRules(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	sg := must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web")}))
	web := func(port int32) types.IpPermission {
		return types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
	}
	added := must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "AuthorizeSecurityGroupIngress")(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: sg.GroupId, IpPermissions: []types.IpPermission{web(80), web(443)}}))
	if len(added.SecurityGroupRules) != 2 {
		t.Fatalf("authorized %d rules, want 2", len(added.SecurityGroupRules))
	}
	out := must[*ec2.RevokeSecurityGroupIngressOutput](t, "RevokeSecurityGroupIngress")(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: sg.GroupId, IpPermissions: []types.IpPermission{web(80), web(8080)}}))
	if !aws.ToBool(out.Return) || len(out.UnknownIpPermissions) != 1 || aws.ToInt32(out.UnknownIpPermissions[0].FromPort) != 8080 {
		t.Errorf("partial revoke = return %v, unknown %+v; want true and port 8080 unknown", aws.ToBool(out.Return), out.UnknownIpPermissions)
	}
	must[*ec2.RevokeSecurityGroupIngressOutput](t, "RevokeSecurityGroupIngress by id")(c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: sg.GroupId, SecurityGroupRuleIds: []string{aws.ToString(added.SecurityGroupRules[1].SecurityGroupRuleId)}}))
	left := must[*ec2.DescribeSecurityGroupsOutput](t, "DescribeSecurityGroups")(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sg.GroupId}}))
	if n := len(left.SecurityGroups[0].IpPermissions); n != 0 {
		t.Errorf("%d ingress rules left, want 0", n)
	}
	// A group referenced by another group's rule may not be deleted.
	other := must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("db"), Description: aws.String("db")}))
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "AuthorizeSecurityGroupIngress")(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: other.GroupId,
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: sg.GroupId}}}}}))
	_, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	wantCode(t, err, "DependencyViolation")
	// By name in the default VPC.
	must[*ec2.DeleteSecurityGroupOutput](t, "DeleteSecurityGroup db")(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("db")}))
	must[*ec2.DeleteSecurityGroupOutput](t, "DeleteSecurityGroup web")(c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}))
}
