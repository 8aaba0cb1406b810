package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// TestExercises applies the README's exercise solutions (docs/exercises/)
// in order to a copy of the repository and checks what docs/exercises.md
// says each one gives, so the exercises stay true as the code changes.
func TestExercises(t *testing.T) {
	if testing.Short() {
		t.Skip("exercises test skipped in -short mode: it deploys three times")
	}
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	r := &repo{dir: copyRepo(t), env: env("APIDRIVEN_BACKEND=embedded", "AWS_ENDPOINT_URL="+endpoint, "APIDRIVEN_TRANSITION_DELAY=300ms")}
	t.Cleanup(func() { stopLeftover(t, r.dir) })

	// 1. The status answer carries the instance type.
	r.apply(t, "1-instance-type.patch")
	r.mustMage(t, "all")
	o := r.outputs(t)
	if code, body := getRaw(t, o.URLs.Status, ""); code != http.StatusOK || !strings.Contains(body, `"instanceType":"`+instanceType(t, o.Endpoint, o.InstanceID)+`"`) {
		t.Fatalf("exercise 1: GET status = %d %s, want the instance type", code, body)
	}

	// 2. /reboot keeps the instance running; without the permission the
	// function's role refuses it.
	r.apply(t, "2-reboot.patch")
	r.mustMage(t, "all")
	reboot := strings.TrimSuffix(o.URLs.Status, "status") + "reboot"
	if code, rep := get(t, reboot); code != http.StatusOK || rep.PreviousState != "running" || rep.CurrentState != "running" {
		t.Fatalf("exercise 2: GET reboot = %d %+v", code, rep)
	}
	role := filepath.Join(r.dir, "provision", "role.go")
	withPermission, err := os.ReadFile(role)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(role, []byte(strings.Replace(string(withPermission), `, "ec2:RebootInstances"`, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustMage(t, "deploy")
	if code, rep := get(t, reboot); code != http.StatusInternalServerError || !strings.Contains(rep.Error, "not allowed to reboot instance "+o.InstanceID) {
		t.Fatalf("exercise 2 without the permission: GET reboot = %d %+v, want 500 naming the role", code, rep)
	}
	if err := os.WriteFile(role, withPermission, 0o644); err != nil {
		t.Fatal(err)
	}

	// 3. An API key is required; the doc's aws CLI commands make one.
	r.apply(t, "3-api-key.patch")
	out, err := r.mage(t, "all")
	if err == nil || !strings.Contains(out, `HTTP 403: {"message":"Forbidden"}`) || !strings.Contains(out, "APIDRIVEN_API_KEY=<value> go tool mage <target>") {
		t.Fatalf("exercise 3: `all` without a key should stop at the status check naming APIDRIVEN_API_KEY (err %v)", err)
	}
	if code, body := getRaw(t, o.URLs.Status, ""); code != http.StatusForbidden || !strings.Contains(body, "Forbidden") {
		t.Fatalf("exercise 3: GET status without a key = %d %s", code, body)
	}
	key := r.runDocBlock(t, "# exercise-3:", "AWS_ENDPOINT_URL="+o.Endpoint)
	if code, body := getRaw(t, o.URLs.Status, key); code != http.StatusOK {
		t.Fatalf("exercise 3: GET status with the key = %d %s", code, body)
	}
	r.env = append(r.env, "APIDRIVEN_API_KEY="+key)
	r.mustMage(t, "smoke")
	r.mustMage(t, "clean")
}

// apply applies a solution patch of docs/exercises/ to the copy.
func (r *repo) apply(t *testing.T, patch string) {
	t.Helper()
	cmd := exec.Command("git", "apply", filepath.Join("docs", "exercises", patch))
	cmd.Dir = r.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply %s: %v\n%s (the solution no longer fits the code: update docs/exercises/)", patch, err, out)
	}
}

// runDocBlock runs, with bash, the shell block of docs/exercises.md whose
// first line starts with marker, and returns the API key it prints.
func (r *repo) runDocBlock(t *testing.T, marker string, env ...string) string {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the aws CLI is not installed: exercise 3's commands cannot run")
	}
	doc, err := os.ReadFile(filepath.Join(r.dir, "docs", "exercises.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```sh\n(" + regexp.QuoteMeta(marker) + ".*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatalf("docs/exercises.md has no sh block starting with %q", marker)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", string(m[1]))
	cmd.Dir, cmd.Env = r.dir, append(r.env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("exercise 3's commands failed: %v\n%s", err, out)
	}
	key := regexp.MustCompile(`your API key: (\S+)`).FindSubmatch(out)
	if key == nil {
		t.Fatalf("exercise 3's commands printed no key:\n%s", out)
	}
	return string(key[1])
}

// getRaw GETs url, with an x-api-key when key is set.
func getRaw(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// instanceType is what EC2 says the instance's type is.
func instanceType(t *testing.T, endpoint, id string) string {
	t.Helper()
	out, err := newSDK(t, endpoint).ec2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
		t.Fatalf("DescribeInstances %s: %v", id, err)
	}
	return string(out.Reservations[0].Instances[0].InstanceType)
}
