package ec2_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// restartable runs fn against an emulator on dir and shuts it down, as a
// process restart would.
func restartable(t *testing.T, dir string, delay time.Duration, fn func(c *ec2.Client)) {
	t.Helper()
	srv, err := emulator.Start(emulator.Config{Addr: "127.0.0.1:0", DataDir: dir, TransitionDelay: delay})
	if err != nil {
		t.Fatalf("start emulator on %s: %v", dir, err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	fn(ec2.NewFromConfig(emulatortest.AWSConfig(t, srv.URL())))
}

// TestMigrateOlderState loads a data directory written by version 0.1,
// whose instances named a default VPC, subnet and security group no API
// could describe: they now exist, and the instances are in them.
func TestMigrateOlderState(t *testing.T) {
	dir := t.TempDir()
	old, err := os.ReadFile(filepath.Join("testdata", "ec2-v0.1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ec2.json"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	for life := range 2 { // the migrated state survives a restart as is
		restartable(t, dir, 0, func(c *ec2.Client) {
			ctx := emulatortest.Context(t)
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				rc := c
				if region != "us-east-1" {
					rc = ec2.NewFromConfig(inRegion(t, c, region))
				}
				out := must[*ec2.DescribeInstancesOutput](t, "DescribeInstances")(rc.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}))
				insts := out.Reservations[0].Instances
				for _, r := range out.Reservations[1:] {
					insts = append(insts, r.Instances...)
				}
				for _, in := range insts {
					sub := must[*ec2.DescribeSubnetsOutput](t, "DescribeSubnets")(rc.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(in.SubnetId)}}))
					vpc := must[*ec2.DescribeVpcsOutput](t, "DescribeVpcs")(rc.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{aws.ToString(in.VpcId)}}))
					if !aws.ToBool(vpc.Vpcs[0].IsDefault) || aws.ToString(sub.Subnets[0].AvailabilityZone) != aws.ToString(in.Placement.AvailabilityZone) {
						t.Errorf("life %d: %s in %s/%s, not its zone's default subnet", life, aws.ToString(in.InstanceId), aws.ToString(in.VpcId), aws.ToString(in.SubnetId))
					}
					groups := must[*ec2.DescribeSecurityGroupsOutput](t, "DescribeSecurityGroups")(rc.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(in.SecurityGroups[0].GroupId)}}))
					if aws.ToString(groups.SecurityGroups[0].GroupName) != "default" {
						t.Errorf("life %d: %s in group %+v", life, aws.ToString(in.InstanceId), groups.SecurityGroups[0])
					}
					checkPlacement(t, in, aws.ToString(in.VpcId), aws.ToString(groups.SecurityGroups[0].GroupId), aws.ToString(sub.Subnets[0].CidrBlock), true)
				}
				if want := map[string]int{"us-east-1": 2, "eu-west-1": 1}[region]; len(insts) != want {
					t.Errorf("life %d: %d instances in %s, want %d", life, len(insts), region, want)
				}
			}
		})
	}
}

// Networks, rules and key pairs survive a restart.
func TestNetworkPersists(t *testing.T) {
	dir := t.TempDir()
	var vpcID, groupID string
	restartable(t, dir, 0, func(c *ec2.Client) {
		ctx := emulatortest.Context(t)
		vpc := must[*ec2.CreateVpcOutput](t, "CreateVpc")(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")}))
		vpcID = aws.ToString(vpc.Vpc.VpcId)
		sg := must[*ec2.CreateSecurityGroupOutput](t, "CreateSecurityGroup")(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("kept"), Description: aws.String("kept"), VpcId: vpc.Vpc.VpcId}))
		groupID = aws.ToString(sg.GroupId)
		must[*ec2.AuthorizeSecurityGroupIngressOutput](t, "Authorize")(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIp: aws.String("192.0.2.0/24")}))
		must[*ec2.CreateKeyPairOutput](t, "CreateKeyPair")(c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("kept"), KeyType: types.KeyTypeEd25519}))
	})
	restartable(t, dir, 0, func(c *ec2.Client) {
		ctx := emulatortest.Context(t)
		sg := must[*ec2.DescribeSecurityGroupsOutput](t, "DescribeSecurityGroups")(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{groupID}}))
		if g := sg.SecurityGroups[0]; aws.ToString(g.VpcId) != vpcID || len(g.IpPermissions) != 1 || aws.ToString(g.IpPermissions[0].IpRanges[0].CidrIp) != "192.0.2.0/24" {
			t.Errorf("group after restart = %+v", g)
		}
		must[*ec2.DescribeKeyPairsOutput](t, "DescribeKeyPairs")(c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"kept"}}))
		// The default VPC is the same one, not a second.
		vpcs := must[*ec2.DescribeVpcsOutput](t, "DescribeVpcs")(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}))
		if len(vpcs.Vpcs) != 2 {
			t.Errorf("%d VPCs after restart, want the default one and %s", len(vpcs.Vpcs), vpcID)
		}
	})
}
