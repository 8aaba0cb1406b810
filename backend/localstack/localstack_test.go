package localstack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/backend/localstack"
	"github.com/apidriven/api-driven/backend/probe"
	"github.com/apidriven/api-driven/internal/status"
)

// fakeLocalStack stands in for the LocalStack image: it serves STS and
// /_localstack/health on 4566, or exits with $FAKE_EXIT after printing a
// line, as LocalStack does when it wants a token.
const fakeLocalStack = `package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if code, err := strconv.Atoi(os.Getenv("FAKE_EXIT")); err == nil {
		fmt.Println("License activation failed! Please provide an auth token (simulated)")
		os.Exit(code)
	}
	http.HandleFunc("/_localstack/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, ` + "`" + `{"services":{"sts":"running"},"version":"4.14.0"}` + "`" + `)
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, ` + "`" + `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:root</Arn><Account>000000000000</Account><UserId>x</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>` + "`" + `)
	})
	panic(http.ListenAndServe(":4566", nil))
}
`

// fakeImage builds the fake into a FROM-scratch image on the local engine
// (no registry needed) or skips when no engine answers.
func fakeImage(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Skipf("no Docker client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Skipf("no Docker engine answers, skipping the engine tests: %v", err)
	}
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/fakels\n\ngo 1.26\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(fakeLocalStack), 0o644))
	cmd := exec.Command("go", "build", "-o", "fake", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build fake: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(filepath.Join(dir, "fake"))
	must(t, err)
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	for name, body := range map[string][]byte{
		"Dockerfile": []byte("FROM scratch\nCOPY fake /fake\nENTRYPOINT [\"/fake\"]\n"),
		"fake":       bin,
	} {
		must(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body))}))
		_, err := tw.Write(body)
		must(t, err)
	}
	must(t, tw.Close())
	tag := fmt.Sprintf("apidriven-test/fake-localstack:%d", os.Getpid())
	res, err := cli.ImageBuild(ctx, &ctxTar, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true})
	if err != nil {
		t.Fatalf("image build: %v", err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Contains(out, []byte("Successfully tagged")) && !bytes.Contains(out, []byte(`"aux"`)) {
		t.Fatalf("image build failed:\n%s", out)
	}
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	})
	return tag
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func freeEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	return "http://localhost:" + strings.Split(ln.Addr().String(), ":")[1]
}

func provider(t *testing.T, image string, env []string, out *bytes.Buffer) *localstack.Provider {
	p := localstack.New(localstack.Options{
		Root: t.TempDir(), StateDir: t.TempDir(), Endpoint: freeEndpoint(t), Region: "us-east-1",
		Image: image, ExtraEnv: env, ContainerName: fmt.Sprintf("apidriven-test-ls-%d-%s", os.Getpid(), strings.ToLower(t.Name())),
		Status: status.New(out),
	})
	t.Cleanup(func() { _ = p.Down(context.Background()) })
	return p
}

func TestUpReuseDownOnTheEngine(t *testing.T) {
	image := fakeImage(t)
	ctx := context.Background()
	var out bytes.Buffer
	p := provider(t, image, nil, &out)
	if err := p.Up(ctx); err != nil {
		t.Fatalf("Up: %v\n%s", err, out.String())
	}
	if !p.Started() {
		t.Fatal("not Started after Up")
	}
	found, err := probe.Classify(ctx, p.Endpoint(), "us-east-1")
	if err != nil || found.Kind != probe.AWS || !found.Info.Served || found.Info.Ours {
		t.Fatalf("endpoint after Up: %+v %v", found, err)
	}
	out.Reset()
	if err := p.Up(ctx); err != nil || !strings.Contains(out.String(), "reusing") {
		t.Fatalf("second Up: %v\n%s", err, out.String())
	}
	if err := p.Down(ctx); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if p.Started() {
		t.Fatal("Started after Down")
	}
	if found, err := probe.Classify(ctx, p.Endpoint(), "us-east-1"); err != nil || found.Kind != probe.Nothing {
		t.Fatalf("endpoint after Down: %+v %v", found, err)
	}
}

func TestExit55IsExplained(t *testing.T) {
	image := fakeImage(t)
	var out bytes.Buffer
	p := provider(t, image, []string{"FAKE_EXIT=55"}, &out)
	err := p.Up(context.Background())
	if err == nil {
		t.Fatal("Up succeeded although the container exited 55")
	}
	if !strings.Contains(err.Error(), "exited with code 55") || !strings.Contains(err.Error(), "auth token (simulated)") {
		t.Fatalf("error should explain code 55 and quote the logs: %v", err)
	}
	if fix := status.FixOf(err); !strings.Contains(fix, "LOCALSTACK_IMAGE=localstack/localstack:4.14.0") || !strings.Contains(fix, "LOCALSTACK_AUTH_TOKEN") {
		t.Fatalf("fix = %q", fix)
	}
}

func TestOtherExitCode(t *testing.T) {
	err := localstack.Exited("apidriven-localstack-test", 1, "  boom")
	if !strings.Contains(err.Error(), "code 1") || strings.Contains(status.FixOf(err), "AUTH_TOKEN") {
		t.Fatalf("err %v fix %q", err, status.FixOf(err))
	}
}

func TestDockerNotRunning(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-docker.sock"))
	var out bytes.Buffer
	p := localstack.New(localstack.Options{Root: t.TempDir(), StateDir: t.TempDir(), Endpoint: freeEndpoint(t), Region: "us-east-1", Status: status.New(&out)})
	err := p.Up(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Docker is not reachable") {
		t.Fatalf("Up without Docker: %v", err)
	}
	if !strings.Contains(status.FixOf(err), "APIDRIVEN_BACKEND=embedded") {
		t.Fatalf("fix = %q", status.FixOf(err))
	}
	if !strings.Contains(out.String(), "✗ localstack") {
		t.Fatalf("no failed step line:\n%s", out.String())
	}
}

// TestReusedContainerMatchesTheRun: a running container of ours is reused
// only when it has what the run needs; started for the EC2 target, it is
// restarted for the docker target with LAMBDA_INIT_USER=root and the
// socket mount, then reused as it is.
func TestReusedContainerMatchesTheRun(t *testing.T) {
	image := fakeImage(t)
	ctx := context.Background()
	cli, err := client.New(client.FromEnv)
	must(t, err)
	defer cli.Close()
	endpoint, name := freeEndpoint(t), fmt.Sprintf("apidriven-test-ls-%d-reuse", os.Getpid())
	var out bytes.Buffer
	newProvider := func(env []string) *localstack.Provider {
		return localstack.New(localstack.Options{Root: t.TempDir(), StateDir: t.TempDir(), Endpoint: endpoint, Region: "us-east-1",
			Image: image, ExtraEnv: env, ContainerName: name, Status: status.New(&out)})
	}
	ec2 := newProvider(nil)
	t.Cleanup(func() { _ = ec2.Down(context.Background()) })
	must(t, ec2.Up(ctx))
	docker := []string{"LAMBDA_DOCKER_FLAGS=-v /var/run/docker.sock:/var/run/docker.sock", "LAMBDA_INIT_USER=root"}
	out.Reset()
	if err := newProvider(docker).Up(ctx); err != nil {
		t.Fatalf("Up for the docker target: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "runs without what this run needs (it lacks LAMBDA_DOCKER_FLAGS=") || !strings.Contains(out.String(), "it lacks LAMBDA_INIT_USER=root): restarting it") {
		t.Errorf("the restart should say why:\n%s", out.String())
	}
	res, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	must(t, err)
	for _, want := range docker {
		if !slices.Contains(res.Container.Config.Env, want) {
			t.Errorf("the restarted container lacks %s: %v", want, res.Container.Config.Env)
		}
	}
	if !slices.Contains(res.Container.HostConfig.Binds, "/var/run/docker.sock:/var/run/docker.sock") {
		t.Errorf("the restarted container lacks the socket mount: %v", res.Container.HostConfig.Binds)
	}
	out.Reset()
	if err := newProvider(docker).Up(ctx); err != nil || !strings.Contains(out.String(), "reusing it") {
		t.Errorf("same settings again should reuse it: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := newProvider(nil).Up(ctx); err != nil || !strings.Contains(out.String(), "reusing it") {
		t.Errorf("the EC2 target needs nothing more, so it reuses it: %v\n%s", err, out.String())
	}
}

// TestExit55OnTheCLIPath: the CLI starts LocalStack with --rm and returns;
// when the container exits 55 (token required) the error says so at once
// instead of waiting out the ready timeout.
func TestExit55OnTheCLIPath(t *testing.T) {
	image := fakeImage(t)
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("the fake localstack CLI needs the docker CLI")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "localstack")
	fake := "#!/bin/sh\ncase \"$1\" in\n" +
		"start) docker run -d --rm --name \"$MAIN_CONTAINER_NAME\" -e FAKE_EXIT=55 \"$IMAGE_NAME\" >/dev/null || exit 1; echo detaching;;\n" +
		"stop) docker rm -f \"$MAIN_CONTAINER_NAME\" >/dev/null 2>&1; true;;\nesac\n"
	must(t, os.WriteFile(bin, []byte(fake), 0o755))
	name := fmt.Sprintf("apidriven-test-ls-%d-cli55", os.Getpid())
	var out bytes.Buffer
	p := localstack.New(localstack.Options{Root: dir, StateDir: t.TempDir(), Endpoint: freeEndpoint(t), Region: "us-east-1",
		Image: image, UseCLI: true, ContainerName: name, ReadyTimeout: 10 * time.Minute, Status: status.New(&out)})
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	err := p.StartCLI(context.Background(), bin)
	t.Logf("StartCLI: %v\n  → %s", err, status.FixOf(err))
	if err == nil || !strings.Contains(err.Error(), "LocalStack exited with code 55") {
		t.Fatalf("StartCLI = %v, want the code 55 explained\n%s", err, out.String())
	}
	if fix := status.FixOf(err); !strings.Contains(fix, "LOCALSTACK_IMAGE=localstack/localstack:4.14.0") {
		t.Errorf("fix = %q", fix)
	}
}

// The CLI is pinned to the image's LocalStack version.
func TestCLIVersion(t *testing.T) {
	for image, want := range map[string]string{
		"localstack/localstack:4.14.0": "4.14.0", "docker.io/localstack/localstack:4.13.1": "4.13.1",
		"localstack/localstack:latest": "4.14.0", "localstack/localstack": "4.14.0",
	} {
		if got := localstack.CLIVersion(image); got != want {
			t.Errorf("CLIVersion(%s) = %s, want %s", image, got, want)
		}
	}
}

// Offline, pip retries and warns five times before its error: only the
// error lines are shown (once: mage repeats the first line only).
func TestPipErrorsOnly(t *testing.T) {
	out := strings.Repeat("WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError(...)': /simple/localstack/\n", 2) +
		"ERROR: Could not find a version that satisfies the requirement localstack==4.14.0 (from versions: none)\n" +
		"ERROR: No matching distribution found for localstack==4.14.0\n"
	got := localstack.PipErrors([]byte(out))
	if strings.Contains(got, "WARNING") || strings.Count(got, "ERROR:") != 2 {
		t.Errorf("pipErrors = %q", got)
	}
	if got := localstack.PipErrors([]byte("a\nb\nc\nd\ne\nf\ng\n")); got != "  c\n  d\n  e\n  f\n  g" {
		t.Errorf("without ERROR lines, the last five: %q", got)
	}
}
