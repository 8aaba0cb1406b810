package ec2_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// BenchmarkDescribeInstances measures DescribeInstances over HTTP with
// keep-alive, as a polling client does. Set EC2_BENCH_ENDPOINT (for example
// to a moto_server URL) to measure another implementation with the same
// loop; ops/s is reported for the comparison.
//
//	go test ./emulator/ec2 -run '^$' -bench DescribeInstances
func BenchmarkDescribeInstances(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(map[int]string{1: "one", 10: "ten"}[n], func(b *testing.B) {
			endpoint := os.Getenv("EC2_BENCH_ENDPOINT")
			if endpoint == "" {
				endpoint = emulatortest.Start(b).URL()
			}
			c := ec2.NewFromConfig(sdkConfig(b, endpoint))
			out, err := c.RunInstances(emulatortest.Context(b), &ec2.RunInstancesInput{
				ImageId: aws.String(defaultImage), MinCount: aws.Int32(int32(n)), MaxCount: aws.Int32(int32(n)),
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{tag("Name", "bench"), tag("Project", "api-driven")}}},
			})
			if err != nil {
				b.Fatalf("RunInstances: %v", err)
			}
			form := url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"}}
			for i, in := range out.Instances {
				form.Set("InstanceId."+string(rune('1'+i%9)), aws.ToString(in.InstanceId))
			}
			if n > 9 {
				form = url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"}, "Filter.1.Name": {"tag:Name"}, "Filter.1.Value.1": {"bench"}}
			}
			body := form.Encode()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
			b.Cleanup(client.CloseIdleConnections)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
					req.Header.Set("Authorization", sigV4)
					resp, err := client.Do(req)
					if err != nil {
						b.Errorf("POST: %v", err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
		})
	}
}
