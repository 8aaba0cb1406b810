package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	emuec2 "github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// BenchmarkDescribeInstancesFloor measures DescribeInstances of every
// instance of the region through aws-sdk-go-v2, against the embedded
// emulator and, interleaved in the same loop, against a server that
// answers the very bytes the emulator answered without doing anything:
// the SDK-bound floor. It reports both medians and their ratio. Target: the
// emulator within 15 % of the floor (ratio ≤ 1.15), with one instance and
// with 1,000.
func BenchmarkDescribeInstancesFloor(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			url := emulatortest.Start(b).URL()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			emu := ec2.NewFromConfig(emulatortest.AWSConfig(b, url))
			if _, err := emu.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(emuec2.DefaultImageID), InstanceType: types.InstanceTypeT3Micro,
				MinCount: aws.Int32(int32(n)), MaxCount: aws.Int32(int32(n))}); err != nil {
				b.Fatalf("RunInstances(%d): %v", n, err)
			}
			canned, size := cannedServer(b, ctx, url)
			floor := ec2.NewFromConfig(emulatortest.AWSConfig(b, canned))
			describe := func(c *ec2.Client) time.Duration {
				start := time.Now()
				out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
				elapsed := time.Since(start)
				if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != n {
					b.Fatalf("DescribeInstances: %v", err)
				}
				return elapsed
			}
			var emuTimes, floorTimes []time.Duration
			b.ResetTimer()
			for b.Loop() {
				emuTimes = append(emuTimes, describe(emu))
				floorTimes = append(floorTimes, describe(floor))
			}
			// Medians: on a shared machine a stall hits one call of a pair,
			// and a mean would charge it to whichever side it hit.
			emuMedian, floorMedian := median(emuTimes), median(floorTimes)
			b.ReportMetric(float64(emuMedian.Microseconds()), "emulator-µs/op")
			b.ReportMetric(float64(floorMedian.Microseconds()), "floor-µs/op")
			b.ReportMetric(float64(emuMedian)/float64(floorMedian), "ratio")
			b.ReportMetric(float64(size), "answer-bytes")
		})
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// cannedServer answers every request with the body and content type the
// emulator gave to an unfiltered DescribeInstances.
func cannedServer(b *testing.B, ctx context.Context, url string) (string, int) {
	b.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/", strings.NewReader("Action=DescribeInstances&Version=2016-11-15"))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/"+time.Now().UTC().Format("20060102")+"/"+emulatortest.Region+"/ec2/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("DescribeInstances: HTTP %d %v %.200s", resp.StatusCode, err, body)
	}
	contentType, length := resp.Header.Get("Content-Type"), strconv.Itoa(len(body))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv.URL, len(body)
}
