package ec2_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// inCIDR reports whether ip lies in block.
func inCIDR(ip, block string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && netip.MustParsePrefix(block).Contains(a)
}

// defaultVPC returns the region's default VPC as DescribeVpcs shows it.
func defaultVPC(t *testing.T, c *ec2.Client) types.Vpc {
	t.Helper()
	out, err := c.DescribeVpcs(emulatortest.Context(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("DescribeVpcs(is-default) = %+v, %v; want one VPC", out, err)
	}
	return out.Vpcs[0]
}

// The default VPC is what an AWS account has in every region: 172.31/16,
// one /20 per zone mapping public addresses, a default security group, an
// internet gateway and a main route table routing to it.
func TestDefaultVPC(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	v := defaultVPC(t, c)
	vpcID := aws.ToString(v.VpcId)
	if aws.ToString(v.CidrBlock) != "172.31.0.0/16" || !aws.ToBool(v.IsDefault) || v.State != types.VpcStateAvailable || aws.ToString(v.OwnerId) != "000000000000" {
		t.Errorf("default VPC = %s %s default=%v %s", vpcID, aws.ToString(v.CidrBlock), aws.ToBool(v.IsDefault), v.State)
	}
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("default-for-az", "true")}})
	if err != nil {
		t.Fatalf("DescribeSubnets: %v", err)
	}
	var zones []string
	for i, s := range subnets.Subnets {
		zones = append(zones, aws.ToString(s.AvailabilityZone))
		block := netip.MustParsePrefix(aws.ToString(s.CidrBlock))
		if block.Bits() != 20 || !inCIDR(block.Addr().String(), "172.31.0.0/16") || !aws.ToBool(s.MapPublicIpOnLaunch) ||
			aws.ToInt32(s.AvailableIpAddressCount) != 4091 || s.State != types.SubnetStateAvailable || aws.ToString(s.AvailabilityZoneId) == "" {
			t.Errorf("default subnet %d = %s %s public=%v free=%d %s", i, aws.ToString(s.SubnetId), block, aws.ToBool(s.MapPublicIpOnLaunch), aws.ToInt32(s.AvailableIpAddressCount), s.State)
		}
	}
	if want := []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}; !slices.Equal(zones, want) {
		t.Errorf("default subnets in zones %v, want %v", zones, want)
	}
	groups, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
	if err != nil || len(groups.SecurityGroups) != 1 {
		t.Fatalf("DescribeSecurityGroups(default) = %+v, %v", groups, err)
	}
	sg := groups.SecurityGroups[0]
	if aws.ToString(sg.VpcId) != vpcID || len(sg.IpPermissions) != 1 || len(sg.IpPermissions[0].UserIdGroupPairs) != 1 ||
		aws.ToString(sg.IpPermissions[0].UserIdGroupPairs[0].GroupId) != aws.ToString(sg.GroupId) ||
		len(sg.IpPermissionsEgress) != 1 || aws.ToString(sg.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("default group = %+v", sg)
	}
	igws, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpcID)}})
	if err != nil || len(igws.InternetGateways) != 1 {
		t.Fatalf("DescribeInternetGateways(attached to default) = %+v, %v", igws, err)
	}
	tables, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("association.main", "true")}})
	if err != nil || len(tables.RouteTables) != 1 {
		t.Fatalf("DescribeRouteTables(main) = %+v, %v", tables, err)
	}
	var routes []string
	for _, r := range tables.RouteTables[0].Routes {
		routes = append(routes, aws.ToString(r.DestinationCidrBlock)+">"+aws.ToString(r.GatewayId)+":"+string(r.State))
	}
	igw := aws.ToString(igws.InternetGateways[0].InternetGatewayId)
	if want := []string{"172.31.0.0/16>local:active", "0.0.0.0/0>" + igw + ":active"}; !slices.Equal(routes, want) {
		t.Errorf("main routes = %v, want %v", routes, want)
	}
	// Each region has its own.
	eu := ec2.NewFromConfig(inRegion(t, c, "eu-west-1"))
	if euVPC := defaultVPC(t, eu); aws.ToString(euVPC.VpcId) == vpcID {
		t.Errorf("eu-west-1 shares us-east-1's default VPC %s", vpcID)
	}
}

// Instances land in the default subnet of their zone, or in the subnet
// named, with the network fields AWS gives them.
func TestInstancePlacement(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	vpcID := aws.ToString(defaultVPC(t, c).VpcId)
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("availability-zone", "us-east-1c"), filter("vpc-id", vpcID)}})
	if err != nil || len(subnets.Subnets) != 1 {
		t.Fatalf("DescribeSubnets(us-east-1c) = %+v, %v", subnets, err)
	}
	subnetC := subnets.Subnets[0]
	groups, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("group-name", "default")}})
	if err != nil || len(groups.SecurityGroups) != 1 {
		t.Fatalf("default group: %+v, %v", groups, err)
	}
	defaultSG := aws.ToString(groups.SecurityGroups[0].GroupId)

	tests := []struct {
		name   string
		in     ec2.RunInstancesInput
		zone   string
		subnet string
	}{
		{"no subnet", ec2.RunInstancesInput{}, "us-east-1a", ""},
		{"zone only", ec2.RunInstancesInput{Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1c")}}, "us-east-1c", aws.ToString(subnetC.SubnetId)},
		{"subnet decides the zone", ec2.RunInstancesInput{SubnetId: subnetC.SubnetId}, "us-east-1c", aws.ToString(subnetC.SubnetId)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.ImageId, in.MinCount, in.MaxCount, in.InstanceType = aws.String(defaultImage), aws.Int32(1), aws.Int32(1), types.InstanceTypeT3Micro
			run, err := c.RunInstances(ctx, &in)
			if err != nil {
				t.Fatalf("RunInstances: %v", err)
			}
			inst := describeOne(t, c, aws.ToString(run.Instances[0].InstanceId))
			sub, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(inst.SubnetId)}})
			if err != nil {
				t.Fatalf("the instance's subnet %s is not describable: %v", aws.ToString(inst.SubnetId), err)
			}
			block := aws.ToString(sub.Subnets[0].CidrBlock)
			checkPlacement(t, inst, vpcID, defaultSG, block, true)
			if got := aws.ToString(inst.Placement.AvailabilityZone); got != tt.zone || aws.ToString(sub.Subnets[0].AvailabilityZone) != tt.zone {
				t.Errorf("zone = %s (subnet in %s), want %s", got, aws.ToString(sub.Subnets[0].AvailabilityZone), tt.zone)
			}
			if tt.subnet != "" && aws.ToString(inst.SubnetId) != tt.subnet {
				t.Errorf("subnet = %s, want %s", aws.ToString(inst.SubnetId), tt.subnet)
			}
		})
	}
}

// checkPlacement asserts the network fields of a running instance.
func checkPlacement(t *testing.T, inst types.Instance, vpcID, groupID, block string, public bool) {
	t.Helper()
	ip := aws.ToString(inst.PrivateIpAddress)
	if aws.ToString(inst.VpcId) != vpcID || !inCIDR(ip, block) {
		t.Errorf("instance in %s at %s, want %s in %s", aws.ToString(inst.VpcId), ip, vpcID, block)
	}
	if len(inst.SecurityGroups) != 1 || aws.ToString(inst.SecurityGroups[0].GroupId) != groupID {
		t.Errorf("security groups = %+v, want %s", inst.SecurityGroups, groupID)
	}
	if len(inst.NetworkInterfaces) != 1 {
		t.Fatalf("network interfaces = %d, want 1", len(inst.NetworkInterfaces))
	}
	eni := inst.NetworkInterfaces[0]
	if eni.Attachment == nil || aws.ToInt32(eni.Attachment.DeviceIndex) != 0 || eni.Attachment.Status != types.AttachmentStatusAttached ||
		aws.ToString(eni.SubnetId) != aws.ToString(inst.SubnetId) || len(eni.Groups) != 1 {
		t.Errorf("primary interface = %+v", eni)
	}
	if len(eni.PrivateIpAddresses) != 1 || aws.ToString(eni.PrivateIpAddresses[0].PrivateIpAddress) != ip || !aws.ToBool(eni.PrivateIpAddresses[0].Primary) {
		t.Errorf("private addresses = %+v, want %s primary", eni.PrivateIpAddresses, ip)
	}
	pub := aws.ToString(inst.PublicIpAddress)
	switch {
	case public && (pub == "" || eni.Association == nil || aws.ToString(eni.Association.PublicIp) != pub ||
		eni.PrivateIpAddresses[0].Association == nil || aws.ToString(inst.PublicDnsName) == ""):
		t.Errorf("public address %q, association %+v: want one on the interface and its address", pub, eni.Association)
	case !public && (pub != "" || eni.Association != nil):
		t.Errorf("instance in a private subnet has public address %q (%+v)", pub, eni.Association)
	}
}

func TestDescribeNetworkFiltersAndPages(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16"), TagSpecifications: []types.TagSpecification{
		{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{tag("Name", "lab"), tag("Team", "a")}}}})
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	for i := range 7 {
		if _, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.1." + string(rune('0'+i)) + ".0/24")}); err != nil {
			t.Fatalf("CreateSubnet %d: %v", i, err)
		}
	}
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		t.Fatalf("CreateSecurityGroup: %v", err)
	}
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatalf("AuthorizeSecurityGroupIngress: %v", err)
	}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{aws.ToString(sg.GroupId)}, Tags: []types.Tag{tag("Name", "web")}}); err != nil {
		t.Fatalf("CreateTags on a security group: %v", err)
	}
	count := func(n int, err error) int {
		if err != nil {
			t.Fatalf("describe: %v", err)
		}
		return n
	}
	vpcs := func(f ...types.Filter) int {
		out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: f})
		return count(len(out.Vpcs), err)
	}
	groups := func(f ...types.Filter) int {
		out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: f})
		return count(len(out.SecurityGroups), err)
	}
	tests := []struct {
		name      string
		got, want int
	}{
		{"vpc by tag", vpcs(filter("tag:Name", "lab")), 1},
		{"vpc by tag-key", vpcs(filter("tag-key", "Team")), 1},
		{"vpc by cidr", vpcs(filter("cidr", "10.1.*")), 1},
		{"all vpcs", vpcs(), 2},
		{"groups by port", groups(filter("ip-permission.from-port", "443")), 1},
		{"groups by cidr and vpc", groups(filter("ip-permission.cidr", "0.0.0.0/0"), filter("vpc-id", vpcID)), 1},
		{"groups by tag", groups(filter("tag:Name", "web")), 1},
		{"default groups", groups(filter("group-name", "default")), 2},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %d results, want %d", tt.name, tt.got, tt.want)
		}
	}
	tags, err := c.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-type", "vpc", "security-group")}})
	if err != nil || len(tags.Tags) != 3 {
		t.Errorf("DescribeTags(vpc, security-group) = %+v, %v; want 3 rows", tags, err)
	}
	// Seven subnets of the VPC plus six default ones, five a page.
	p := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
	var seen []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeSubnets page: %v", err)
		}
		pages++
		for _, s := range out.Subnets {
			seen = append(seen, aws.ToString(s.SubnetId))
		}
	}
	slices.Sort(seen)
	if len(seen) != 13 || len(slices.Compact(seen)) != 13 || pages != 3 {
		t.Errorf("paginated subnets: %d (%d distinct) in %d pages, want 13 in 3", len(seen), len(slices.Compact(seen)), pages)
	}
}

// inRegion is the client configuration of c's endpoint for another region.
func inRegion(t *testing.T, c *ec2.Client, region string) aws.Config {
	t.Helper()
	cfg := emulatortest.AWSConfig(t, aws.ToString(c.Options().BaseEndpoint))
	cfg.Region = region
	return cfg
}

// The default VPC may be deleted, as on AWS: launches without a subnet
// then fail with VPCIdNotSpecified until CreateDefaultVpc makes it again.
func TestDeleteAndRecreateDefaultVPC(t *testing.T) {
	c := newClient(t)
	ctx := emulatortest.Context(t)
	vpcID := defaultVPC(t, c).VpcId
	subnets := must[*ec2.DescribeSubnetsOutput](t, "DescribeSubnets")(c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", *vpcID)}}))
	for _, s := range subnets.Subnets {
		must[*ec2.DeleteSubnetOutput](t, "DeleteSubnet")(c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}))
	}
	igws := must[*ec2.DescribeInternetGatewaysOutput](t, "DescribeInternetGateways")(c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", *vpcID)}}))
	igw := igws.InternetGateways[0].InternetGatewayId
	must[*ec2.DetachInternetGatewayOutput](t, "DetachInternetGateway")(c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: igw, VpcId: vpcID}))
	must[*ec2.DeleteVpcOutput](t, "DeleteVpc")(c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpcID}))

	_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	wantCode(t, err, "VPCIdNotSpecified")
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web")})
	wantCode(t, err, "VPCIdNotSpecified")

	made := must[*ec2.CreateDefaultVpcOutput](t, "CreateDefaultVpc")(c.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{}))
	if aws.ToString(made.Vpc.VpcId) != *vpcID || !aws.ToBool(made.Vpc.IsDefault) {
		t.Errorf("CreateDefaultVpc = %s default=%v, want %s again", aws.ToString(made.Vpc.VpcId), aws.ToBool(made.Vpc.IsDefault), *vpcID)
	}
	// The kept gateway is still there, detached; the new VPC has its own.
	kept := must[*ec2.DescribeInternetGatewaysOutput](t, "DescribeInternetGateways")(c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{*igw}}))
	if len(kept.InternetGateways[0].Attachments) != 0 {
		t.Errorf("the kept gateway is attached: %+v", kept.InternetGateways[0].Attachments)
	}
	run := must[*ec2.RunInstancesOutput](t, "RunInstances")(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(defaultImage), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}))
	inst := describeOne(t, c, aws.ToString(run.Instances[0].InstanceId))
	if aws.ToString(inst.VpcId) != *vpcID || aws.ToString(inst.PublicIpAddress) == "" {
		t.Errorf("instance in %s with public address %q", aws.ToString(inst.VpcId), aws.ToString(inst.PublicIpAddress))
	}
	_, err = c.CreateDefaultVpc(ctx, &ec2.CreateDefaultVpcInput{})
	wantCode(t, err, "DefaultVpcAlreadyExists")
}
