package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/provision"
)

// repo is a temporary copy of the working tree (tracked and untracked,
// not ignored files), so the targets run exactly as a user would run them
// without touching this checkout's .apidriven/.
type repo struct {
	dir string
	env []string
}

func copyRepo(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files in %s: %v", root, err)
	}
	dst := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// env is the process environment minus anything that would point the
// targets elsewhere, plus kv. The docker target's container and image get
// names of their own, so a clean never touches a user's apidriven-web.
func env(kv ...string) []string {
	drop := map[string]bool{"APIDRIVEN_BACKEND": true, "AWS_ENDPOINT_URL": true, "AWS_PROFILE": true, "CODESPACE_NAME": true,
		"GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": true, "APIDRIVEN_TAG_VALUE": true, "APIDRIVEN_STAGE": true, "AWS_REGION": true,
		"APIDRIVEN_TARGET": true, "APIDRIVEN_CONTAINER": true, "APIDRIVEN_IMAGE": true, "APIDRIVEN_CONTAINER_PORT": true,
		"ENFORCE_IAM": true, "IAM_SOFT_MODE": true, "APIDRIVEN_PUBLIC_PORT": true}
	var out []string
	for _, e := range os.Environ() {
		if k, _, _ := strings.Cut(e, "="); !drop[k] {
			out = append(out, e)
		}
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	out = append(out, "AWS_REGION=us-east-1", "APIDRIVEN_SMOKE_TIMEOUT=2m",
		"APIDRIVEN_CONTAINER=apidriven-web-e2e-"+id, "APIDRIVEN_IMAGE=apidriven-web:e2e-"+id)
	return append(out, kv...) // later entries win
}

// mage runs `go tool mage args...` in the copy and returns its output.
func (r *repo) mage(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "mage"}, args...)...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("$ go tool mage %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

func (r *repo) mustMage(t *testing.T, args ...string) string {
	t.Helper()
	out, err := r.mage(t, args...)
	if err != nil {
		t.Fatalf("go tool mage %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (r *repo) outputs(t *testing.T) provision.Outputs {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, ".apidriven", "outputs.json"))
	if err != nil {
		t.Fatalf("outputs.json: %v", err)
	}
	var o provision.Outputs
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatalf("outputs.json: %v\n%s", err, data)
	}
	return o
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// reply is what the routes answer.
type reply struct {
	InstanceID    string `json:"instanceId"`
	State         string `json:"state"`
	PreviousState string `json:"previousState"`
	CurrentState  string `json:"currentState"`
	Error         string `json:"error"`
}

// get opens a route the way a browser does.
func get(t *testing.T, url string) (int, reply) {
	t.Helper()
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r reply
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("GET %s: HTTP %d, not JSON: %s", url, resp.StatusCode, body)
	}
	return resp.StatusCode, r
}

// waitState polls the status route until want, with backoff and a deadline.
func waitState(t *testing.T, statusURL, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	last := ""
	err := retry.Do(ctx, retry.WithCappedDuration(2*time.Second, retry.NewExponential(100*time.Millisecond)), func(ctx context.Context) error {
		code, r := get(t, statusURL)
		if code != http.StatusOK {
			return fmt.Errorf("status HTTP %d: %s", code, r.Error)
		}
		last = r.State
		if r.State != want {
			return retry.RetryableError(fmt.Errorf("state %s", r.State))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("waiting for %s (last %q): %v", want, last, err)
	}
}

// sdk are SDK clients on an emulator endpoint.
type sdk struct {
	ec2    *ec2.Client
	lambda *lambda.Client
	apigw  *apigateway.Client
	iam    *iam.Client
}

func newSDK(t *testing.T, endpoint string) sdk {
	t.Helper()
	cfg, err := probe.AWSConfig(context.Background(), endpoint, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	return sdk{ec2: ec2.NewFromConfig(cfg), lambda: lambda.NewFromConfig(cfg), apigw: apigateway.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg)}
}

// counts is how many project resources exist: live tagged instances,
// functions and REST APIs by name, and whether the role exists.
func (s sdk) counts(t *testing.T) (instances, functions, apis int, role bool) {
	t.Helper()
	ctx := context.Background()
	di, err := s.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + provision.DefaultTagKey), Values: []string{provision.DefaultTagValue}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}})
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	for _, r := range di.Reservations {
		instances += len(r.Instances)
	}
	lf, err := s.lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	for _, f := range lf.Functions {
		if aws.ToString(f.FunctionName) == provision.DefaultFunctionName {
			functions++
		}
	}
	ra, err := s.apigw.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(500)})
	if err != nil {
		t.Fatalf("GetRestApis: %v", err)
	}
	for _, a := range ra.Items {
		if aws.ToString(a.Name) == provision.DefaultAPIName {
			apis++
		}
	}
	_, err = s.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(provision.DefaultRoleName)})
	return instances, functions, apis, err == nil
}

// emulatorPID reads .apidriven/emulator.pid ("pid addr").
func emulatorPID(t *testing.T, dir string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".apidriven", "emulator.pid"))
	if err != nil {
		t.Fatalf("emulator.pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(data))[0])
	if err != nil {
		t.Fatalf("emulator.pid: %q", data)
	}
	return pid
}

func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// waitGone waits (backoff, deadline) until pid no longer exists.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := retry.Do(ctx, retry.WithCappedDuration(time.Second, retry.NewExponential(50*time.Millisecond)), func(context.Context) error {
		if !processGone(pid) {
			return retry.RetryableError(fmt.Errorf("pid %d still exists", pid))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
