package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/trace"
	"github.com/apidriven/api-driven/internal/projecttest"
)

// BenchmarkRoute measures the project's warm GET /status (API Gateway →
// the function's process → EC2 DescribeInstances → back) and, alternating
// in the same loop through the same client, its floor: the same function
// binary behind a gateway process that only hands it the same event over
// a Runtime API and answers what it returns, calling a process that answers
// EC2's bytes without doing anything (testdata/floor). Both sides cross
// the same process boundaries over loopback HTTP; the ratio of their
// medians is what the emulator adds. Target: ratio ≤ 1.5, tracing on.
//
// The emulator is the built cmd/awsemu, as users run it; with
// BENCH_ROUTE_EMULATOR=inprocess it runs in the test binary instead, so that
// -cpuprofile and -memprofile see it.
func BenchmarkRoute(b *testing.B) {
	rig := newRouteRig(b, os.Getenv("BENCH_ROUTE_EMULATOR") == "inprocess")
	var route, floor []time.Duration
	i := 0
	for b.Loop() {
		// Alternate which goes first, so neither always follows the other.
		if i%2 == 0 {
			route = append(route, rig.get(b, rig.routeURL))
			floor = append(floor, rig.get(b, rig.floorURL))
		} else {
			floor = append(floor, rig.get(b, rig.floorURL))
			route = append(route, rig.get(b, rig.routeURL))
		}
		i++
	}
	r50, f50 := percentile(route, 0.50), percentile(floor, 0.50)
	ratio := float64(r50) / float64(f50)
	b.ReportMetric(ms(r50), "route-p50-ms")
	b.ReportMetric(ms(percentile(route, 0.99)), "route-p99-ms")
	b.ReportMetric(ms(f50), "floor-p50-ms")
	b.ReportMetric(ms(percentile(floor, 0.99)), "floor-p99-ms")
	b.ReportMetric(ratio, "ratio")
	b.Logf("event %d bytes, DescribeInstances answer %d bytes, %d pairs", rig.eventBytes, rig.answerBytes, len(route))
	b.Logf("route p50 %.3f ms, floor p50 %.3f ms, ratio %.2f", ms(r50), ms(f50), ratio)
}

// TestRouteFloorAnswersLikeTheRoute checks the benchmark's rig (without
// timing anything): the floor runs the project's function with the
// route's event and EC2 answer, so both answer the same body.
func TestRouteFloorAnswersLikeTheRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function and the floor: not in -short")
	}
	rig := newRouteRig(t, true)
	route, floor := rig.body(t, rig.routeURL), rig.body(t, rig.floorURL)
	if !bytes.Equal(route, floor) || !bytes.Contains(route, []byte(`"state":"running"`)) {
		t.Fatalf("the floor answered %s, the route %s: they must be the same answer of a running instance", floor, route)
	}
}

// routeRig is the project deployed on an emulator, and its floor.
type routeRig struct {
	client                  *http.Client
	routeURL, floorURL      string
	eventBytes, answerBytes int
}

func newRouteRig(tb testing.TB, inProcess bool) *routeRig {
	tb.Helper()
	code := lambdatest.BuildFunction(tb, projecttest.Function)
	floorBin := buildFloor(tb)
	var endpoint string
	if inProcess {
		endpoint = emulatortest.Start(tb).URL()
	} else {
		// A short transition delay only shortens the deploy's waits.
		endpoint = startProcess(tb, exec.Command(buildAwsemu(tb), "-addr", "127.0.0.1:0", "-log-level", "error", "-transition-delay", "100ms"))
	}
	clients, out := projecttest.DeployAt(tb, endpoint, code)
	rig := &routeRig{client: &http.Client{Timeout: 30 * time.Second}, routeURL: out.URLs.Status}
	rig.body(tb, rig.routeURL) // the cold start; its trace holds the event

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := trace.Client{Endpoint: endpoint}.Recent(ctx, 1)
	if err != nil || len(list.Traces) != 1 || len(list.Traces[0].Invocations) != 1 {
		tb.Fatalf("the route's trace: %v (%d traces)", err, len(list.Traces))
	}
	event := list.Traces[0].Invocations[0].Event
	answer, contentType := describeAnswer(tb, ctx, endpoint, out.InstanceID)
	conf, err := clients.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(out.FunctionName)})
	if err != nil {
		tb.Fatalf("GetFunctionConfiguration: %v", err)
	}
	rig.eventBytes, rig.answerBytes = len(event), len(answer)

	dir := tb.TempDir()
	eventFile, answerFile := filepath.Join(dir, "event.json"), filepath.Join(dir, "answer.xml")
	if err := os.WriteFile(eventFile, event, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(answerFile, answer, 0o600); err != nil {
		tb.Fatal(err)
	}
	ec2URL := startProcess(tb, exec.Command(floorBin, "ec2", "-answer", answerFile, "-content-type", contentType))
	// The environment the emulator gives the function, with credentials
	// of the same shape (a session token too: the SDK signs it).
	env := map[string]string{
		"AWS_ENDPOINT_URL": ec2URL, "AWS_REGION": emulatortest.Region, "AWS_DEFAULT_REGION": emulatortest.Region,
		"AWS_ACCESS_KEY_ID": "ASIAFLOORFLOORFLOOR0", "AWS_SECRET_ACCESS_KEY": strings.Repeat("s", 40), "AWS_SESSION_TOKEN": strings.Repeat("t", 300),
		"AWS_LAMBDA_FUNCTION_NAME": out.FunctionName, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"TZ": ":UTC", "LANG": "en_US.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin",
	}
	if conf.Environment != nil {
		for k, v := range conf.Environment.Variables {
			env[k] = v
		}
	}
	args := []string{"gateway", "-event", eventFile, "-bootstrap", filepath.Join(lambdatest.UnpackZip(tb, code), "bootstrap")}
	for k, v := range env {
		args = append(args, "-env", k+"="+v)
	}
	gateway := startProcess(tb, exec.Command(floorBin, args...))
	u, err := url.Parse(rig.routeURL)
	if err != nil {
		tb.Fatal(err)
	}
	rig.floorURL = gateway + u.RequestURI() // the same path and query
	rig.body(tb, rig.floorURL)              // the floor's cold start
	return rig
}

// get times one request, which must succeed.
func (r *routeRig) get(tb testing.TB, u string) time.Duration {
	start := time.Now()
	r.body(tb, u)
	return time.Since(start)
}

func (r *routeRig) body(tb testing.TB, u string) []byte {
	resp, err := r.client.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: HTTP %d %v: %.300s", u, resp.StatusCode, err, body)
	}
	return body
}

// describeAnswer is the emulator's answer to the function's call,
// DescribeInstances of one instance, and its content type.
func describeAnswer(tb testing.TB, ctx context.Context, endpoint, id string) ([]byte, string) {
	tb.Helper()
	rec := &recordingClient{}
	cfg := emulatortest.AWSConfig(tb, endpoint)
	rec.next, cfg.HTTPClient = cfg.HTTPClient, rec
	if _, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}); err != nil {
		tb.Fatalf("DescribeInstances: %v", err)
	}
	return rec.body, rec.contentType
}

// recordingClient keeps the last response body it passed on.
type recordingClient struct {
	next        aws.HTTPClient
	body        []byte
	contentType string
}

func (c *recordingClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(r)
	if err != nil {
		return nil, err
	}
	c.body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	c.contentType = resp.Header.Get("Content-Type")
	resp.Body = io.NopCloser(bytes.NewReader(c.body))
	return resp, nil
}

var (
	floorOnce sync.Once
	floorBin  string
	floorErr  error
)

// buildFloor compiles testdata/floor once per test binary.
func buildFloor(tb testing.TB) string {
	tb.Helper()
	floorOnce.Do(func() {
		dir, err := os.MkdirTemp("", "floor-bench-")
		if err != nil {
			floorErr = err
			return
		}
		floorBin = filepath.Join(dir, "floor")
		if out, err := exec.Command("go", "build", "-o", floorBin, "./testdata/floor").CombinedOutput(); err != nil {
			floorErr = fmt.Errorf("go build testdata/floor: %v\n%s", err, out)
		}
	})
	if floorErr != nil {
		tb.Fatal(floorErr)
	}
	return floorBin
}

// startProcess starts cmd, which prints a line saying it is ready at its
// URL first ("awsemu ready on http://…", "ready http://…"), and returns
// the URL; the process is terminated when the test ends.
func startProcess(tb testing.TB, cmd *exec.Cmd) string {
	tb.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r) // keep the pipe drained
	}()
	select {
	case line := <-lines:
		if strings.Contains(line, "ready") {
			for _, f := range strings.Fields(line) {
				if strings.HasPrefix(f, "http://") {
					return strings.TrimRight(f, "/")
				}
			}
		}
		tb.Fatalf("%s printed %q, not a ready line", cmd.Path, line)
	case <-time.After(time.Minute):
		tb.Fatalf("%s printed no ready line within a minute", cmd.Path)
	}
	return ""
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
