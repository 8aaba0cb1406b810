package main_test

// End-to-end tests of the awsemu command: the real binary, driven by the
// real aws CLI, as a user of LocalStack would drive it. Other services add
// their CLI cases to the tables below (see cliCase).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/ec2"
)

const (
	trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	logsPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`
	basicExec   = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)

// cliCase is one aws CLI invocation and what it must print. Cases of a table
// run in order against one emulator, so later cases can use what earlier
// ones created: save copies a JSON field of the output into a variable that
// later args and want values reference as {NAME}.
type cliCase struct {
	name string
	args []string // after the global --endpoint-url/--region/--output flags
	// want maps a dotted JSON path of the output (Role.Arn,
	// Reservations.0.Instances.0.State.Name) to its expected value; "a|b"
	// accepts either.
	want map[string]string
	// wantErr is the AWS error code the command must fail with (non-zero
	// exit, "(Code)" on stderr).
	wantErr string
	// wantStatus, with wantErr, is the HTTP status the error must come
	// with (read from the CLI's --debug log).
	wantStatus int
	save       map[string]string // variable -> dotted JSON path
	// env adds to (and overrides) the CLI's environment, e.g. another
	// user's AWS_ACCESS_KEY_ID={KEY}.
	env []string
}

func iamCases() []cliCase {
	return []cliCase{
		{name: "caller identity", args: []string{"sts", "get-caller-identity"},
			want: map[string]string{"Account": "000000000000", "Arn": "arn:aws:iam::000000000000:root"}},
		{name: "create role", args: []string{"iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", trustPolicy, "--description", "from the CLI"},
			want: map[string]string{"Role.Arn": "arn:aws:iam::000000000000:role/cli-role", "Role.Path": "/"},
			save: map[string]string{"ROLE_ID": "Role.RoleId"}},
		{name: "create role twice", args: []string{"iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", trustPolicy}, wantErr: "EntityAlreadyExists"},
		{name: "create role with bad trust policy", args: []string{"iam", "create-role", "--role-name", "bad", "--assume-role-policy-document", "{not json"}, wantErr: "MalformedPolicyDocument"},
		{name: "create role with bad name", args: []string{"iam", "create-role", "--role-name", "bad/name", "--assume-role-policy-document", trustPolicy}, wantErr: "ValidationError"},
		// The CLI URL-decodes the trust policy and shows it as JSON.
		{name: "get role decodes trust policy", args: []string{"iam", "get-role", "--role-name", "cli-role"},
			want: map[string]string{"Role.RoleId": "{ROLE_ID}", "Role.Description": "from the CLI", "Role.AssumeRolePolicyDocument.Statement.0.Principal.Service": "lambda.amazonaws.com"}},
		{name: "get missing role", args: []string{"iam", "get-role", "--role-name", "nope"}, wantErr: "NoSuchEntity"},
		{name: "put inline policy", args: []string{"iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "logs", "--policy-document", logsPolicy}},
		{name: "get inline policy", args: []string{"iam", "get-role-policy", "--role-name", "cli-role", "--policy-name", "logs"},
			want: map[string]string{"PolicyName": "logs", "PolicyDocument.Statement.0.Action": "logs:*"}},
		{name: "delete role with inline policy", args: []string{"iam", "delete-role", "--role-name", "cli-role"}, wantErr: "DeleteConflict"},
		{name: "attach managed policy", args: []string{"iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", basicExec}},
		{name: "list attached", args: []string{"iam", "list-attached-role-policies", "--role-name", "cli-role"},
			want: map[string]string{"AttachedPolicies.0.PolicyName": "AWSLambdaBasicExecutionRole"}},
		{name: "list roles", args: []string{"iam", "list-roles"}, want: map[string]string{"Roles.0.RoleName": "cli-role"}},
		{name: "assume role", args: []string{"sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/cli-role", "--role-session-name", "cli"},
			want: map[string]string{"AssumedRoleUser.Arn": "arn:aws:sts::000000000000:assumed-role/cli-role/cli"}},
		{name: "delete inline policy", args: []string{"iam", "delete-role-policy", "--role-name", "cli-role", "--policy-name", "logs"}},
		{name: "delete role with attached policy", args: []string{"iam", "delete-role", "--role-name", "cli-role"}, wantErr: "DeleteConflict"},
		{name: "detach managed policy", args: []string{"iam", "detach-role-policy", "--role-name", "cli-role", "--policy-arn", basicExec}},
		{name: "delete role", args: []string{"iam", "delete-role", "--role-name", "cli-role"}},
		{name: "role is gone", args: []string{"iam", "get-role", "--role-name", "cli-role"}, wantErr: "NoSuchEntity"},
	}
}

func ec2Cases() []cliCase {
	return []cliCase{
		{name: "run instance", args: []string{"ec2", "run-instances", "--image-id", ec2.DefaultImageID, "--instance-type", "t3.micro", "--count", "1"},
			want: map[string]string{"Instances.0.ImageId": ec2.DefaultImageID, "Instances.0.State.Name": "pending|running"},
			save: map[string]string{"INSTANCE": "Instances.0.InstanceId"}},
		{name: "wait running", args: []string{"ec2", "wait", "instance-running", "--instance-ids", "{INSTANCE}"}},
		{name: "describe running", args: []string{"ec2", "describe-instances", "--instance-ids", "{INSTANCE}"},
			want: map[string]string{"Reservations.0.Instances.0.State.Name": "running", "Reservations.0.Instances.0.InstanceId": "{INSTANCE}"}},
		{name: "stop", args: []string{"ec2", "stop-instances", "--instance-ids", "{INSTANCE}"},
			want: map[string]string{"StoppingInstances.0.PreviousState.Name": "running", "StoppingInstances.0.CurrentState.Name": "stopping|stopped"}},
		{name: "wait stopped", args: []string{"ec2", "wait", "instance-stopped", "--instance-ids", "{INSTANCE}"}},
		{name: "describe stopped", args: []string{"ec2", "describe-instances", "--instance-ids", "{INSTANCE}"},
			want: map[string]string{"Reservations.0.Instances.0.State.Name": "stopped"}},
		{name: "describe unknown instance", args: []string{"ec2", "describe-instances", "--instance-ids", "i-0123456789abcdef0"}, wantErr: "InvalidInstanceID.NotFound"},
	}
}

// TestCLI runs each table against its own emulator, in parallel (the aws
// CLI takes seconds to start), with no transition delay so that the CLI's
// waiters succeed on their first poll.
func TestCLI(t *testing.T) {
	requireAWSCLI(t)
	tables := map[string][]cliCase{"iam-sts": iamCases(), "iam-users": iamUserCases(), "ec2": ec2Cases(), "apigateway": apigatewayCases(), "lambda": lambdaCases(t), "ec2-vpc": ec2VPCCases()}
	for name, cases := range tables {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := startEmulator(t, "-transition-delay", "0")
			runCases(t, e, cases)
		})
	}
}

// TestSIGTERM checks a clean, prompt shutdown with exit status 0.
func TestSIGTERM(t *testing.T) {
	e := startEmulator(t)
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("failed to send SIGTERM: %v", err)
	}
	if err := e.wait(t, 20*time.Second); err != nil {
		t.Fatalf("awsemu did not exit 0 after SIGTERM: %v\nstderr:\n%s", err, e.stderr.String())
	}
	if !strings.Contains(e.stderr.String(), "shutting down") {
		t.Errorf("stderr does not log the shutdown:\n%s", e.stderr.String())
	}
}

// TestCrashSafety kills the emulator with SIGKILL right after a role is
// created and expects the role, with the same id, after a restart.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	requireAWSCLI(t)
	dir := t.TempDir()
	first := startEmulator(t, "-data-dir", dir)
	vars := map[string]string{}
	runCase(t, first, vars, cliCase{args: []string{"iam", "create-role", "--role-name", "durable", "--path", "/crash/", "--assume-role-policy-document", trustPolicy},
		save: map[string]string{"ROLE_ID": "Role.RoleId"}})
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatalf("failed to kill awsemu: %v", err)
	}
	_ = first.wait(t, 20*time.Second) // killed: a non-zero status is expected

	second := startEmulator(t, "-data-dir", dir)
	runCase(t, second, vars, cliCase{args: []string{"iam", "get-role", "--role-name", "durable"},
		want: map[string]string{"Role.RoleId": "{ROLE_ID}", "Role.Arn": "arn:aws:iam::000000000000:role/crash/durable"}})
}

// --- harness ---

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// binary builds the command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "awsemu-test-"); build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "awsemu")
		out, err := exec.Command(goTool(), "build", "-o", build.bin, ".").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("failed to build awsemu: %w\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

func requireAWSCLI(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
}

// emulator is one running awsemu process.
type emulator struct {
	cmd    *exec.Cmd
	url    string
	stdout *output
	stderr *output
	done   chan error
	exited bool
	status error
}

var readyLine = regexp.MustCompile(`awsemu ready on (http://127\.0\.0\.1:\d+) in `)

// startEmulator runs awsemu on a free port (-addr with port 0; the URL is
// read from its ready line) and waits until /_localstack/health answers.
func startEmulator(t *testing.T, args ...string) *emulator {
	t.Helper()
	e := &emulator{stdout: newOutput(), stderr: newOutput(), done: make(chan error, 1)}
	e.cmd = exec.Command(binary(t), append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	e.cmd.Stdout, e.cmd.Stderr = e.stdout, e.stderr
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("failed to start awsemu: %v", err)
	}
	go func() { e.done <- e.cmd.Wait() }()
	t.Cleanup(func() {
		if !e.exited {
			_ = e.cmd.Process.Signal(syscall.SIGTERM)
			if err := e.wait(t, 20*time.Second); err != nil {
				t.Errorf("awsemu exited badly at cleanup: %v\nstderr:\n%s", err, e.stderr.String())
			}
		}
	})
	select {
	case e.url = <-e.stdout.ready:
	case err := <-e.done:
		e.exited, e.status = true, err
		t.Fatalf("awsemu exited before it was ready: %v\nstderr:\n%s", err, e.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("awsemu printed no ready line within 60s\nstdout:\n%s\nstderr:\n%s", e.stdout.String(), e.stderr.String())
	}
	e.waitHealthy(t)
	return e
}

// waitHealthy polls /_localstack/health with exponential backoff until it
// answers 200 or the deadline passes.
func (e *emulator) waitHealthy(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	backoff := retry.WithCappedDuration(time.Second, retry.NewExponential(20*time.Millisecond))
	err := retry.Do(ctx, backoff, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/_localstack/health", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return retry.RetryableError(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return retry.RetryableError(fmt.Errorf("health answered %s", resp.Status))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("awsemu at %s never became healthy: %v\nstderr:\n%s", e.url, err, e.stderr.String())
	}
}

// wait returns the exit status, failing the test if the process outlives
// the deadline (a hang, not a slow exit).
func (e *emulator) wait(t *testing.T, deadline time.Duration) error {
	t.Helper()
	if e.exited {
		return e.status
	}
	select {
	case err := <-e.done:
		e.exited, e.status = true, err
		return err
	case <-time.After(deadline):
		_ = e.cmd.Process.Kill()
		e.exited, e.status = true, <-e.done
		t.Fatalf("awsemu still running %s after the signal; killed it\nstderr:\n%s", deadline, e.stderr.String())
		return nil
	}
}

// aws runs the aws CLI against the emulator, isolated from the user's AWS
// configuration, as test/test unless env says otherwise.
func (e *emulator) aws(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"--endpoint-url", e.url, "--region", "us-east-1", "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, "aws", full...)
	home := t.TempDir()
	base := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			base = append(base, kv)
		}
	}
	// Later entries win: env overrides the defaults.
	cmd.Env = append(append(base, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials")), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		t.Fatalf("failed to run aws %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

func runCases(t *testing.T, e *emulator, cases []cliCase) {
	vars := map[string]string{}
	for _, c := range cases {
		if !t.Run(c.name, func(t *testing.T) { runCase(t, e, vars, c) }) {
			return // later cases depend on this one
		}
	}
}

func runCase(t *testing.T, e *emulator, vars map[string]string, c cliCase) {
	t.Helper()
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = expand(a, vars)
	}
	if c.wantStatus != 0 {
		args = append(args, "--debug")
	}
	env := make([]string, len(c.env))
	for i, kv := range c.env {
		env[i] = expand(kv, vars)
	}
	stdout, stderr, code := e.aws(t, env, args...)
	cmdline := "aws " + strings.Join(args, " ")
	if c.wantErr != "" {
		// aws CLI v1 exits 255 on a service error, v2 254.
		if code != 254 && code != 255 {
			t.Fatalf("%s: exit code %d, want 254/255 for %s\nstdout: %s\nstderr: %s", cmdline, code, c.wantErr, stdout, stderr)
		}
		if !strings.Contains(stderr, "("+c.wantErr+")") {
			t.Fatalf("%s: stderr lacks (%s):\n%s", cmdline, c.wantErr, stderr)
		}
		if c.wantStatus != 0 {
			m := debugStatusRE.FindAllStringSubmatch(stderr, -1)
			if len(m) == 0 || m[len(m)-1][1] != strconv.Itoa(c.wantStatus) {
				t.Fatalf("%s: want HTTP %d for %s; the debug log shows %v", cmdline, c.wantStatus, c.wantErr, m)
			}
		}
		return
	}
	if code != 0 {
		t.Fatalf("%s: exit code %d\nstderr: %s", cmdline, code, stderr)
	}
	var doc any
	if strings.TrimSpace(stdout) != "" {
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%s: output is not JSON: %v\n%s", cmdline, err, stdout)
		}
	}
	for path, want := range c.want {
		got, ok := lookup(doc, path)
		if !ok {
			t.Errorf("%s: output has no %s:\n%s", cmdline, path, stdout)
			continue
		}
		if wants := strings.Split(expand(want, vars), "|"); !contains(wants, got) {
			t.Errorf("%s: %s = %q, want %s", cmdline, path, got, strings.Join(wants, " or "))
		}
	}
	for name, path := range c.save {
		got, ok := lookup(doc, path)
		if !ok || got == "" {
			t.Fatalf("%s: output has no %s to save as %s:\n%s", cmdline, path, name, stdout)
		}
		vars[name] = got
	}
}

// debugStatusRE finds the status urllib3 logs for each response in --debug
// output: "POST /restapis HTTP/1.1" 201 123.
var debugStatusRE = regexp.MustCompile(`"[A-Z]+ [^"]* HTTP/1\.1" (\d{3}) `)

func expand(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// lookup follows a dotted path (object keys, list indexes) to a scalar.
func lookup(doc any, path string) (string, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[part]
			if !ok {
				return "", false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return "", false
			}
			cur = v[i]
		default:
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case nil, map[string]any, []any:
		return "", false
	default:
		return fmt.Sprint(v), true
	}
}

// output collects a stream and announces the URL of the ready line.
type output struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string
	sent  bool
}

func newOutput() *output { return &output{ready: make(chan string, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if !o.sent {
		if m := readyLine.FindStringSubmatch(o.buf.String()); m != nil {
			o.sent = true
			o.ready <- m[1]
		}
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
