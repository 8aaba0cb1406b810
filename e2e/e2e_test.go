// Package e2e_test runs the real Mage targets, as a user would, from a
// temporary copy of the repository.
package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision/mototest"
)

// TestEmbeddedEndToEnd: all → the three URLs over HTTP → smoke → all again
// (idempotent) → clean → nothing left, emulator gone → clean again.
func TestEmbeddedEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode: it builds and runs the emulator and every Mage target (about a minute)")
	}
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", freePort(t)) // never 4566: a user may be using it
	// ENFORCE_IAM=1 on the first target only: every call is signed and
	// checked, the function's against the role deploy writes, and the mode
	// sticks for the targets after it.
	r := &repo{dir: copyRepo(t), env: env("APIDRIVEN_BACKEND=embedded", "AWS_ENDPOINT_URL="+endpoint, "APIDRIVEN_TRANSITION_DELAY=300ms")}
	t.Cleanup(func() { stopLeftover(t, r.dir) })

	out := r.with("ENFORCE_IAM=1").mustMage(t, "all")
	for _, want := range []string{"✓ emulator running at " + endpoint, "✓ build lambda", "✓ GET status → HTTP 200", "/_aws/execute-api/"} {
		if !strings.Contains(out, want) {
			t.Errorf("`mage all` output lacks %q", want)
		}
	}
	if log, err := os.ReadFile(filepath.Join(r.dir, ".apidriven", "emulator.log")); err != nil || !strings.Contains(string(log), "IAM: strict") {
		t.Errorf("the emulator did not start in strict IAM mode (%v): %s", err, log)
	}
	if info, err := probe.Health(context.Background(), endpoint); err != nil || !info.IAM.Enforce {
		t.Errorf("/_localstack/info reports IAM mode %s (%v), want strict", info.IAM, err)
	}
	if settings, err := os.ReadFile(filepath.Join(r.dir, ".apidriven", "settings.json")); err != nil || !strings.Contains(string(settings), `"ENFORCE_IAM": true`) {
		t.Errorf("settings.json does not record the IAM mode (%v): %s", err, settings)
	}
	o := r.outputs(t)
	base := endpoint + "/_aws/execute-api/" + o.RestAPIID + "/" + o.Stage + "/"
	if o.Backend != "embedded" || o.Endpoint != endpoint || !strings.HasPrefix(o.InstanceID, "i-") || o.Stage != "prod" ||
		o.URLs.Start != base+"start" || o.URLs.Stop != base+"stop" || o.URLs.Status != base+"status" {
		t.Fatalf("outputs.json = %+v", o)
	}

	// The URLs, as a browser opens them.
	waitState(t, o.URLs.Status, "running")
	if code, rep := get(t, o.URLs.Stop); code != http.StatusOK || rep.InstanceID != o.InstanceID || rep.PreviousState != "running" ||
		(rep.CurrentState != "stopping" && rep.CurrentState != "stopped") {
		t.Fatalf("GET stop = %d %+v", code, rep)
	}
	waitState(t, o.URLs.Status, "stopped")
	if code, rep := get(t, o.URLs.Start); code != http.StatusOK || rep.PreviousState != "stopped" ||
		(rep.CurrentState != "pending" && rep.CurrentState != "running") {
		t.Fatalf("GET start = %d %+v", code, rep)
	}
	waitState(t, o.URLs.Status, "running")
	// The same routes on the public port, which serves them and nothing else.
	if !strings.HasPrefix(o.DataPlaneURLs.Status, o.DataPlaneEndpoint+"/_aws/execute-api/") || o.DataPlaneEndpoint == endpoint {
		t.Fatalf("outputs.json data plane = %q %+v", o.DataPlaneEndpoint, o.DataPlaneURLs)
	}
	if code, rep := get(t, o.DataPlaneURLs.Status); code != http.StatusOK || rep.InstanceID != o.InstanceID || rep.State != "running" {
		t.Fatalf("GET status on the public port = %d %+v", code, rep)
	}

	out = r.mustMage(t, "smoke")
	for _, want := range []string{"✓ smoke wait stopped", "EC2 agrees", "✓ smoke wait running", "✓ smoke unknown route → HTTP 40"} {
		if !strings.Contains(out, want) {
			t.Errorf("`mage smoke` output lacks %q", want)
		}
	}

	// Idempotency: a second `all` reuses everything, the recorded IAM mode
	// included (another mode would restart the emulator).
	pid := emulatorPID(t, r.dir)
	out = r.mustMage(t, "all")
	if !strings.Contains(out, "reusing") || !strings.Contains(out, "up to date") {
		t.Errorf("second `mage all` should reuse the emulator and skip the build")
	}
	if again := emulatorPID(t, r.dir); again != pid {
		t.Errorf("second `mage all` started another emulator: pid %d, then %d", pid, again)
	}
	if o2 := r.outputs(t); o2 != o {
		t.Errorf("outputs changed on redeploy:\n%+v\n%+v", o, o2)
	}
	s := newSDK(t, endpoint)
	if i, f, a, role := s.counts(t); i != 1 || f != 1 || a != 1 || !role {
		t.Fatalf("after two deploys: %d instances, %d functions, %d APIs, role %v; want 1, 1, 1, true", i, f, a, role)
	}

	// Damaged data: stored code that no longer matches its digest is
	// repaired by `all`; a state file that holds nothing stops `up` with
	// its path and the way out.
	data := filepath.Join(r.dir, ".apidriven", "emulator-data")
	r.mustMage(t, "down")
	zips, _ := filepath.Glob(filepath.Join(data, "lambda", "code", "*", "*", "*.zip"))
	if len(zips) != 1 {
		t.Fatalf("stored function code: %v, want one zip", zips)
	}
	if err := os.WriteFile(zips[0], []byte("bit rot"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out = r.mustMage(t, "all"); !strings.Contains(out, "re-uploaded") || !strings.Contains(out, "✓ GET status → HTTP 200") {
		t.Errorf("`mage all` should re-upload the code of the Failed function and serve the URLs again")
	}
	r.mustMage(t, "down")
	iamState := filepath.Join(data, "iam.json")
	saved, err := os.ReadFile(iamState)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(iamState, []byte("null"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = r.mage(t, "up")
	if err == nil || !strings.Contains(out, iamState) || !strings.Contains(out, "holds no state") ||
		!strings.Contains(out, "mv "+iamState) || strings.Contains(out, "port is busy") {
		t.Errorf("`mage up` on a state file holding null: %v; want the file, what is wrong and the way out, not a busy port", err)
	}
	if err := os.WriteFile(iamState, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustMage(t, "up")
	// Another IAM mode restarts our emulator in it, keeping every resource.
	out = r.with("ENFORCE_IAM=0").mustMage(t, "up")
	if !strings.Contains(out, "in IAM mode strict: restarting it in IAM mode default (ENFORCE_IAM=0 IAM_SOFT_MODE=0)") {
		t.Errorf("`ENFORCE_IAM=0 mage up` should restart the strict emulator, saying why")
	}
	if info, err := probe.Health(context.Background(), endpoint); err != nil || info.IAM.Enforce {
		t.Errorf("after `ENFORCE_IAM=0 mage up` the emulator reports IAM mode %s (%v)", info.IAM, err)
	}
	if i, f, a, role := s.counts(t); i != 1 || f != 1 || a != 1 || !role {
		t.Fatalf("after the restart in another IAM mode: %d instances, %d functions, %d APIs, role %v; want 1, 1, 1, true", i, f, a, role)
	}
	pid = emulatorPID(t, r.dir)

	out = r.mustMage(t, "clean")
	if !strings.Contains(out, "stop emulator") || !strings.Contains(out, "remove .apidriven/") {
		t.Errorf("`mage clean` should say what it stopped and removed")
	}
	waitGone(t, pid)
	if _, err := os.Stat(filepath.Join(r.dir, ".apidriven")); !os.IsNotExist(err) {
		t.Fatalf(".apidriven/ left behind: %v", err)
	}
	if found, err := probe.Classify(context.Background(), endpoint, "us-east-1"); err != nil || found.Kind != probe.Nothing {
		t.Fatalf("something still answers at %s after clean: %+v %v", endpoint, found, err)
	}
	out = r.mustMage(t, "clean")
	if !strings.Contains(out, "already gone") {
		t.Errorf("second `mage clean` should say there was nothing left")
	}
	if _, err := r.mage(t, "smoke"); err == nil {
		t.Error("`mage smoke` after clean succeeded; it should fail (nothing deployed)")
	}
}

// TestAutoUsesForeignEndpoint: with an emulator somebody else started,
// auto deploys onto it, clean deletes every resource and leaves the
// emulator running.
func TestAutoUsesForeignEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	dir := copyRepo(t)
	endpoint := startForeignEmulator(t, dir)
	r := &repo{dir: dir, env: env("AWS_ENDPOINT_URL=" + endpoint)}
	t.Cleanup(func() { stopLeftover(t, r.dir) })

	out := r.mustMage(t, "all")
	if !strings.Contains(out, "already answers here; using it as it is") {
		t.Errorf("auto should say it uses the running endpoint")
	}
	if !strings.Contains(out, "URLs (an api-driven emulator at "+endpoint+", not started by this project, instance i-") || strings.Contains(out, "(embedded backend") {
		t.Errorf("the URLs' header should say who serves them")
	}
	// The EC2 container mode needs that emulator restarted: not ours to
	// do, so up stops with the commands and leaves it running.
	if out, err := r.with("APIDRIVEN_EC2_CONTAINERS=1").mage(t, "up"); err == nil ||
		!strings.Contains(out, "was started without it, and not by this project") || !strings.Contains(out, "awsemu -addr 127.0.0.1:") {
		t.Errorf("up in the EC2 container mode on a foreign emulator without it should stop with the command (err %v)", err)
	}
	// So does another IAM mode.
	if out, err := r.with("ENFORCE_IAM=1").mage(t, "up"); err == nil ||
		!strings.Contains(out, "runs in IAM mode default, and was not started by this project") || !strings.Contains(out, "-enforce-iam=true -iam-soft-mode=false") {
		t.Errorf("up in strict IAM mode on a foreign emulator without it should stop with the command (err %v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".apidriven", "emulator.pid")); !os.IsNotExist(err) {
		t.Errorf("auto started its own emulator next to the foreign one: %v", err)
	}
	s := newSDK(t, endpoint)
	if i, f, a, role := s.counts(t); i != 1 || f != 1 || a != 1 || !role {
		t.Fatalf("after deploy: %d instances, %d functions, %d APIs, role %v", i, f, a, role)
	}

	// Clean works from the names and tags alone.
	if err := os.Remove(filepath.Join(dir, ".apidriven", "outputs.json")); err != nil {
		t.Fatal(err)
	}
	out = r.mustMage(t, "clean")
	if !strings.Contains(out, "leaving it running") {
		t.Errorf("clean should say it leaves the foreign emulator running")
	}
	if i, f, a, role := s.counts(t); i != 0 || f != 0 || a != 0 || role {
		t.Fatalf("after clean: %d live instances, %d functions, %d APIs, role %v; want nothing", i, f, a, role)
	}
	found, err := probe.Classify(context.Background(), endpoint, "us-east-1")
	if err != nil || found.Kind != probe.AWS {
		t.Fatalf("clean stopped an emulator it did not start: %+v %v", found, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".apidriven")); !os.IsNotExist(err) {
		t.Fatalf(".apidriven/ left behind: %v", err)
	}
}

// TestDeployOnMoto: auto detects moto_server (a third-party emulator) and
// deploy provisions everything on it, as proof the automation speaks AWS
// and not just our emulator; clean then removes it all.
func TestDeployOnMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	endpoint := mototest.Start(t)
	r := &repo{dir: copyRepo(t), env: env("AWS_ENDPOINT_URL=" + endpoint)}
	out := r.mustMage(t, "deploy")
	if !strings.Contains(out, "an AWS-compatible endpoint already answers here") {
		t.Errorf("auto should recognise moto as an external AWS-compatible endpoint")
	}
	o := r.outputs(t)
	if o.Backend != "other" || o.Endpoint != endpoint || !strings.HasPrefix(o.InstanceID, "i-") || o.RestAPIID == "" {
		t.Fatalf("outputs on moto = %+v", o)
	}
	s := newSDK(t, endpoint)
	if i, f, a, role := s.counts(t); i != 1 || f != 1 || a != 1 || !role {
		t.Fatalf("on moto after deploy: %d instances, %d functions, %d APIs, role %v", i, f, a, role)
	}
	// moto serves no stage URLs: all deploys (converging) and then says so.
	if out, err := r.mage(t, "all"); err == nil || !strings.Contains(out, "does not serve the API's stage URLs") || !strings.Contains(out, "APIDRIVEN_BACKEND=embedded") {
		t.Errorf("`mage all` on moto should fail at the status call, naming the embedded emulator as the fix (err %v):\n%s", err, out)
	}
	if i, f, a, _ := s.counts(t); i != 1 || f != 1 || a != 1 {
		t.Fatalf("on moto after deploy and all: %d instances, %d functions, %d APIs", i, f, a)
	}
	r.mustMage(t, "clean")
	if i, f, a, role := s.counts(t); i != 0 || f != 0 || a != 0 || role {
		t.Fatalf("on moto after clean: %d live instances, %d functions, %d APIs, role %v", i, f, a, role)
	}
}

// startForeignEmulator builds cmd/awsemu from the copy and runs it on a
// free port, in memory, as a user's own emulator would run.
func startForeignEmulator(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "awsemu")
	build := exec.Command("go", "build", "-o", bin, "./cmd/awsemu")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build awsemu: %v\n%s", err, out)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(bin, "-addr", addr, "-transition-delay", "300ms")
	logf, err := os.Create(filepath.Join(t.TempDir(), "foreign.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	endpoint := "http://" + addr
	cfg, err := probe.AWSConfig(context.Background(), endpoint, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	err = probe.Wait(context.Background(), status.Discard(), "foreign emulator", time.Minute, func(ctx context.Context) error {
		_, err := probe.CallerIdentity(ctx, cfg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return endpoint
}

// stopLeftover stops an emulator a failed run left behind, so a failing
// test never leaks a background process.
func stopLeftover(t *testing.T, dir string) {
	data, err := os.ReadFile(filepath.Join(dir, ".apidriven", "emulator.pid"))
	if err != nil {
		return
	}
	var pid int
	if _, err := fmt.Sscan(string(data), &pid); err != nil || pid <= 0 {
		return
	}
	if p, err := os.FindProcess(pid); err == nil && !processGone(pid) {
		t.Logf("stopping leftover emulator pid %d", pid)
		_ = p.Kill()
	}
}
