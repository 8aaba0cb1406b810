package bench

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// BenchmarkDescribeInstances measures DescribeInstances of one instance id
// among ten, through aws-sdk-go-v2 over loopback HTTP, on every endpoint.
// Target: the embedded emulator at least 30× moto_server's ops/s.
func BenchmarkDescribeInstances(b *testing.B) {
	for _, ep := range endpoints() {
		b.Run(ep.name, func(b *testing.B) {
			client := ec2.NewFromConfig(emulatortest.AWSConfig(b, ep.resolve(b)))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			images, err := client.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
			image := "ami-12c6146b" // moto's default Amazon Linux image
			if err == nil && len(images.Images) > 0 {
				image = *images.Images[0].ImageId
			}
			run, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(image), MinCount: aws.Int32(10), MaxCount: aws.Int32(10), InstanceType: types.InstanceTypeT3Micro})
			if err != nil {
				b.Fatalf("RunInstances on %s: %v", ep.name, err)
			}
			ids := []string{*run.Instances[3].InstanceId}
			b.Cleanup(func() {
				all := make([]string, 0, len(run.Instances))
				for _, in := range run.Instances {
					all = append(all, *in.InstanceId)
				}
				_, _ = client.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: all})
			})
			b.ResetTimer()
			for b.Loop() {
				out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
				if err != nil || len(out.Reservations) != 1 {
					b.Fatalf("DescribeInstances: %v", err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
