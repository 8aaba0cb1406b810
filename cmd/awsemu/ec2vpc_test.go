package main_test

import "github.com/apidriven/api-driven/emulator/ec2"

// ec2VPCCases is the tutorial script users bring, through the aws CLI: the
// default VPC, a new VPC with a public subnet, a gateway, a route, a
// security group, a key pair and an instance; the refusals AWS gives
// along the way (code and HTTP status), a region typo, and the teardown.
func ec2VPCCases() []cliCase {
	const ami, unknownSubnet = ec2.DefaultImageID, "subnet-0123456789abcdef0"
	run := func(extra ...string) []string {
		return append([]string{"ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--count", "1"}, extra...)
	}
	return []cliCase{
		{name: "default vpc", args: []string{"ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true"},
			want: map[string]string{"Vpcs.0.CidrBlock": "172.31.0.0/16", "Vpcs.0.IsDefault": "true", "Vpcs.0.State": "available"},
			save: map[string]string{"DEFAULT_VPC": "Vpcs.0.VpcId"}},
		{name: "default subnet of a zone", args: []string{"ec2", "describe-subnets", "--filters", "Name=vpc-id,Values={DEFAULT_VPC}", "Name=availability-zone,Values=us-east-1a"},
			want: map[string]string{"Subnets.0.CidrBlock": "172.31.0.0/20", "Subnets.0.MapPublicIpOnLaunch": "true", "Subnets.0.DefaultForAz": "true"}},
		{name: "create vpc", args: []string{"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=lab}]"},
			want: map[string]string{"Vpc.CidrBlock": "10.0.0.0/16", "Vpc.Tags.0.Value": "lab"}, save: map[string]string{"VPC": "Vpc.VpcId"}},
		{name: "wait vpc available", args: []string{"ec2", "wait", "vpc-available", "--vpc-ids", "{VPC}"}},
		{name: "dns hostnames", args: []string{"ec2", "modify-vpc-attribute", "--vpc-id", "{VPC}", "--enable-dns-hostnames", "Value=true"}},
		{name: "dns hostnames on", args: []string{"ec2", "describe-vpc-attribute", "--vpc-id", "{VPC}", "--attribute", "enableDnsHostnames"},
			want: map[string]string{"EnableDnsHostnames.Value": "true"}},
		{name: "vpc too large", args: []string{"ec2", "create-vpc", "--cidr-block", "10.0.0.0/8"}, wantErr: "InvalidVpc.Range", wantStatus: 400},
		{name: "create subnet", args: []string{"ec2", "create-subnet", "--vpc-id", "{VPC}", "--cidr-block", "10.0.1.0/24", "--availability-zone", "us-east-1b"},
			want: map[string]string{"Subnet.AvailableIpAddressCount": "251"}, save: map[string]string{"SUBNET": "Subnet.SubnetId"}},
		{name: "overlapping subnet", args: []string{"ec2", "create-subnet", "--vpc-id", "{VPC}", "--cidr-block", "10.0.1.0/25"}, wantErr: "InvalidSubnet.Conflict", wantStatus: 400},
		{name: "public subnet", args: []string{"ec2", "modify-subnet-attribute", "--subnet-id", "{SUBNET}", "--map-public-ip-on-launch"}},
		{name: "create gateway", args: []string{"ec2", "create-internet-gateway"}, save: map[string]string{"IGW": "InternetGateway.InternetGatewayId"}},
		{name: "attach gateway", args: []string{"ec2", "attach-internet-gateway", "--internet-gateway-id", "{IGW}", "--vpc-id", "{VPC}"}},
		{name: "create route table", args: []string{"ec2", "create-route-table", "--vpc-id", "{VPC}"},
			want: map[string]string{"RouteTable.Routes.0.GatewayId": "local"}, save: map[string]string{"RTB": "RouteTable.RouteTableId"}},
		{name: "route to the gateway", args: []string{"ec2", "create-route", "--route-table-id", "{RTB}", "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", "{IGW}"},
			want: map[string]string{"Return": "true"}},
		{name: "associate", args: []string{"ec2", "associate-route-table", "--route-table-id", "{RTB}", "--subnet-id", "{SUBNET}"},
			want: map[string]string{"AssociationState.State": "associated"}, save: map[string]string{"ASSOC": "AssociationId"}},
		{name: "create group", args: []string{"ec2", "create-security-group", "--group-name", "web", "--description", "web servers", "--vpc-id", "{VPC}"},
			save: map[string]string{"SG": "GroupId"}},
		{name: "open ssh", args: []string{"ec2", "authorize-security-group-ingress", "--group-id", "{SG}", "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0"},
			want: map[string]string{"Return": "true", "SecurityGroupRules.0.FromPort": "22"}},
		{name: "create key pair", args: []string{"ec2", "create-key-pair", "--key-name", "lab", "--key-type", "ed25519"}, want: map[string]string{"KeyName": "lab"}},
		{name: "launch with an unknown key", args: run("--key-name", "nope"), wantErr: "InvalidKeyPair.NotFound", wantStatus: 400},
		{name: "launch in an unknown subnet", args: run("--subnet-id", unknownSubnet), wantErr: "InvalidSubnetID.NotFound", wantStatus: 400},
		{name: "launch arm64 type on an x86_64 ami", args: []string{"ec2", "run-instances", "--image-id", ami, "--instance-type", "t4g.micro", "--count", "1"},
			wantErr: "InvalidParameterValue", wantStatus: 400},
		{name: "launch in the subnet", args: run("--subnet-id", "{SUBNET}", "--security-group-ids", "{SG}", "--key-name", "lab"),
			want: map[string]string{"Instances.0.SubnetId": "{SUBNET}", "Instances.0.VpcId": "{VPC}", "Instances.0.NetworkInterfaces.0.Attachment.DeviceIndex": "0"},
			save: map[string]string{"INSTANCE": "Instances.0.InstanceId"}},
		{name: "wait running", args: []string{"ec2", "wait", "instance-running", "--instance-ids", "{INSTANCE}"}},
		{name: "instance in its network", args: []string{"ec2", "describe-instances", "--instance-ids", "{INSTANCE}"},
			want: map[string]string{"Reservations.0.Instances.0.SecurityGroups.0.GroupId": "{SG}", "Reservations.0.Instances.0.Placement.AvailabilityZone": "us-east-1b",
				"Reservations.0.Instances.0.KeyName": "lab"},
			save: map[string]string{"PUBLIC_IP": "Reservations.0.Instances.0.NetworkInterfaces.0.Association.PublicIp"}},
		{name: "resize while running", args: []string{"ec2", "modify-instance-attribute", "--instance-id", "{INSTANCE}", "--instance-type", "Value=t3.small"},
			wantErr: "IncorrectInstanceState", wantStatus: 400},
		{name: "protect", args: []string{"ec2", "modify-instance-attribute", "--instance-id", "{INSTANCE}", "--disable-api-termination"}},
		{name: "terminate protected", args: []string{"ec2", "terminate-instances", "--instance-ids", "{INSTANCE}"}, wantErr: "OperationNotPermitted", wantStatus: 400},
		{name: "unprotect", args: []string{"ec2", "modify-instance-attribute", "--instance-id", "{INSTANCE}", "--no-disable-api-termination"}},
		{name: "delete vpc in use", args: []string{"ec2", "delete-vpc", "--vpc-id", "{VPC}"}, wantErr: "DependencyViolation", wantStatus: 400},
		{name: "region typo", args: []string{"ec2", "describe-vpcs", "--region", "us-east1"}, wantErr: "AuthFailure", wantStatus: 401},
		{name: "terminate", args: []string{"ec2", "terminate-instances", "--instance-ids", "{INSTANCE}"}},
		{name: "wait terminated", args: []string{"ec2", "wait", "instance-terminated", "--instance-ids", "{INSTANCE}"}},
		{name: "delete group", args: []string{"ec2", "delete-security-group", "--group-id", "{SG}"}},
		{name: "disassociate", args: []string{"ec2", "disassociate-route-table", "--association-id", "{ASSOC}"}},
		{name: "delete route table", args: []string{"ec2", "delete-route-table", "--route-table-id", "{RTB}"}},
		{name: "detach gateway", args: []string{"ec2", "detach-internet-gateway", "--internet-gateway-id", "{IGW}", "--vpc-id", "{VPC}"}},
		{name: "delete gateway", args: []string{"ec2", "delete-internet-gateway", "--internet-gateway-id", "{IGW}"}},
		{name: "delete subnet", args: []string{"ec2", "delete-subnet", "--subnet-id", "{SUBNET}"}},
		{name: "delete vpc", args: []string{"ec2", "delete-vpc", "--vpc-id", "{VPC}"}},
		{name: "vpc gone", args: []string{"ec2", "describe-vpcs", "--vpc-ids", "{VPC}"}, wantErr: "InvalidVpcID.NotFound", wantStatus: 400},
	}
}
