package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
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
			run, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(anyImage(ctx, client)), MinCount: aws.Int32(10), MaxCount: aws.Int32(10), InstanceType: types.InstanceTypeT3Micro})
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

// BenchmarkDescribeInstancesHTTP measures the same call with a plain
// net/http client posting the Query form (any SigV4 scope; neither the
// emulator nor moto checks signatures), so that what is measured is the
// endpoint, not aws-sdk-go-v2's own cost (about 300 µs a call here, the
// same for every endpoint). Target: the emulator at least 30× moto_server.
func BenchmarkDescribeInstancesHTTP(b *testing.B) {
	for _, ep := range endpoints() {
		b.Run(ep.name, func(b *testing.B) {
			url := ep.resolve(b)
			client := ec2.NewFromConfig(emulatortest.AWSConfig(b, url))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			run, err := client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(anyImage(ctx, client)), MinCount: aws.Int32(10), MaxCount: aws.Int32(10), InstanceType: types.InstanceTypeT3Micro})
			if err != nil {
				b.Fatalf("RunInstances on %s: %v", ep.name, err)
			}
			form := "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=" + *run.Instances[3].InstanceId
			auth := "AWS4-HMAC-SHA256 Credential=test/" + time.Now().UTC().Format("20060102") + "/" + emulatortest.Region + "/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=0"
			hc := &http.Client{Timeout: 30 * time.Second}
			b.ResetTimer()
			for b.Loop() {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/", strings.NewReader(form))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				req.Header.Set("Authorization", auth)
				req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(*run.Instances[3].InstanceId)) {
					b.Fatalf("DescribeInstances: HTTP %d %v %.200s", resp.StatusCode, err, body)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
