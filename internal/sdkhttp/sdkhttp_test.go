package sdkhttp_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// TestLargeResponsesSurvive describes eight instances (a ~20 KB answer)
// many times over. With the SDK's own HTTP client a share of these calls
// fail with "use of closed network connection" against a loopback server;
// with sdkhttp.Client, which emulatortest's configuration installs, none
// may.
func TestLargeResponsesSurvive(t *testing.T) {
	srv := emulatortest.Start(t)
	cfg := emulatortest.AWSConfig(t, srv.URL())
	client := ec2.NewFromConfig(cfg)
	if _, err := client.RunInstances(emulatortest.Context(t), &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), MinCount: aws.Int32(8), MaxCount: aws.Int32(8)}); err != nil {
		t.Fatal(err)
	}
	describe := func(c *ec2.Client) (fails int, last error) {
		for range 200 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			cancel()
			if err == nil && len(out.Reservations[0].Instances) != 8 {
				t.Fatalf("described %d instances, want 8", len(out.Reservations[0].Instances))
			}
			if err != nil {
				fails, last = fails+1, err
			}
		}
		return fails, last
	}
	if fails, err := describe(client); fails != 0 {
		t.Fatalf("%d of 200 calls failed with memory bodies: %v", fails, err)
	}
	plain := cfg.Copy()
	plain.HTTPClient = nil // the SDK's default client
	fails, err := describe(ec2.NewFromConfig(plain))
	t.Logf("with the SDK's own client: %d of 200 calls failed (last: %v)", fails, err)
}
