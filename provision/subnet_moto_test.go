package provision_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
	"github.com/apidriven/api-driven/provision/mototest"
)

// TestNoDefaultVPC: in a region without a default VPC, RunInstances
// without a subnet fails with VPCIdNotSpecified (moto, like AWS); deploy
// explains it and names APIDRIVEN_SUBNET_ID with a subnet that exists,
// and with that subnet the instance launches there.
func TestNoDefaultVPC(t *testing.T) {
	endpoint := mototest.Start(t)
	c := provision.NewClients(mototest.AWSConfig(t, endpoint))
	ctx := testContext(t)
	vpcs, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("default VPC: %v %v", vpcs, err)
	}
	def := vpcs.Vpcs[0].VpcId
	subnets, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{*def}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range subnets.Subnets {
		if _, err := c.EC2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.EC2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: def}); err != nil {
		t.Fatalf("DeleteVpc: %v", err)
	}
	vpc, err := c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.1.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	subnet := aws.ToString(sn.Subnet.SubnetId)

	cfg := provision.Config{Backend: provision.BackendOther, Endpoint: endpoint, Code: functionZip(t)}
	var log bytes.Buffer
	_, err = provision.Deploy(ctx, c, cfg, status.New(&log))
	if err == nil || !strings.Contains(err.Error(), "has no default VPC, so RunInstances needs a subnet") || !strings.Contains(err.Error(), "VPCIdNotSpecified") {
		t.Fatalf("deploy without a default VPC: %v\n%s", err, log.String())
	}
	t.Logf("deploy without a default VPC: %v\n  → %s", err, status.FixOf(err))
	if fix := status.FixOf(err); !strings.Contains(fix, "APIDRIVEN_SUBNET_ID="+subnet+" go tool mage deploy") || !strings.Contains(fix, "aws ec2 create-default-vpc") {
		t.Errorf("fix = %q", fix)
	}

	cfg.SubnetID = subnet
	log.Reset()
	out, err := provision.Deploy(ctx, c, cfg, status.New(&log))
	if err != nil {
		t.Fatalf("deploy with APIDRIVEN_SUBNET_ID: %v\n%s", err, log.String())
	}
	di, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{out.InstanceID}})
	if err != nil || aws.ToString(di.Reservations[0].Instances[0].SubnetId) != subnet {
		t.Fatalf("the instance is not in %s: %v", subnet, err)
	}
}
