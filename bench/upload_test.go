package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// BenchmarkConcurrentUploadsRSS sends four CreateFunction calls at once,
// each carrying a zip just under AWS's 50 MiB limit (a 66 MB request), to
// the built awsemu command and reports its resident memory before, at its
// peak and 5 s after. Target: the peak stays under twice one upload's cost
// (request + zip) over the idle RSS, so uploads queue instead of adding up.
func BenchmarkConcurrentUploadsRSS(b *testing.B) {
	bin := buildAwsemu(b)
	zipFile := incompressibleZip(b, 50<<20-64<<10)
	request := float64(len(zipFile)+2) / 3 * 4 / 1e6 // base64 in the JSON body
	var before, peak, after float64
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd, url, err := startAwsemu(ctx, bin)
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		before, peak, after = uploadFour(ctx, b, cmd.Process.Pid, url, zipFile)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		cancel()
	}
	b.ReportMetric(request, "MB/request")
	b.ReportMetric(before, "RSS-before-MB")
	b.ReportMetric(peak, "RSS-peak-MB")
	b.ReportMetric(after, "RSS-after-5s-MB")
	b.ReportMetric((peak-before)/(request+float64(len(zipFile))/1e6), "peak-growth/upload-cost")
}

func uploadFour(ctx context.Context, b *testing.B, pid int, url string, zipFile []byte) (before, peak, after float64) {
	cfg := emulatortest.AWSConfig(b, url)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("upload-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		b.Fatal(err)
	}
	client := lambda.NewFromConfig(cfg)
	before, _ = procStatusMB(pid, "VmRSS:")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
				FunctionName: aws.String(fmt.Sprintf("upload-%d", i)), Runtime: lambdatypes.RuntimeProvidedal2023,
				Handler: aws.String("bootstrap"), Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: zipFile},
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatalf("CreateFunction: %v", err)
		}
	}
	peak, _ = procStatusMB(pid, "VmHWM:")
	time.Sleep(5 * time.Second) // what stays resident once the uploads are done
	after, _ = procStatusMB(pid, "VmRSS:")
	return before, peak, after
}

// incompressibleZip is a valid deployment package of about size bytes
// whose one file is random, so its zip is as large as its content.
func incompressibleZip(b *testing.B, size int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "data.bin", Method: zip.Store})
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	_, _ = rand.Read(data)
	if _, err := w.Write(data); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// procStatusMB reads one kB field of /proc/<pid>/status (Linux only).
func procStatusMB(pid int, field string) (float64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024, err == nil
		}
	}
	return 0, false
}
