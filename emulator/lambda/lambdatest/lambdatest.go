// Package lambdatest builds Go Lambda functions for tests and provides the
// probe, a test function driven by its payload (see probeapi).
package lambdatest

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest/probeapi"
)

// Probe is the import path of the multipurpose test function; its payload is
// a ProbeCommand and it answers a ProbeOutput.
const Probe = "github.com/apidriven/api-driven/emulator/lambda/lambdatest/testdata/probe"

// Echo is the import path of a minimal function that returns its payload;
// it builds quickly for any platform.
const Echo = "github.com/apidriven/api-driven/emulator/lambda/lambdatest/testdata/echo"

// Probe payload types, re-exported for callers.
type (
	ProbeCommand    = probeapi.Command
	ProbeOutput     = probeapi.Output
	ProbeEC2Command = probeapi.EC2Command
	ProbeInstance   = probeapi.Instance
	ProbeProxyEvent = probeapi.ProxyEvent
)

// buildTimeout bounds one `go build` (the first probe build compiles the
// EC2 SDK, which takes minutes on a busy 2-core machine).
const buildTimeout = 10 * time.Minute

type buildKey struct{ pkg, goos, goarch string }

type build struct {
	once sync.Once
	zip  []byte
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[buildKey]*build{}
)

// BuildFunction compiles the Go main package pkgPath (an import path or a
// directory) for the host platform as a `bootstrap` and returns it zipped,
// as a provided.al2023 deployment package. Builds are cached per test
// binary.
func BuildFunction(t testing.TB, pkgPath string) []byte {
	t.Helper()
	return BuildFunctionFor(t, pkgPath, goruntime.GOOS, goruntime.GOARCH)
}

// BuildFunctionFor is BuildFunction for another GOOS/GOARCH.
func BuildFunctionFor(t testing.TB, pkgPath, goos, goarch string) []byte {
	t.Helper()
	key := buildKey{pkgPath, goos, goarch}
	buildsMu.Lock()
	b := builds[key]
	if b == nil {
		b = &build{}
		builds[key] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() { b.zip, b.err = compile(key) })
	if b.err != nil {
		t.Fatalf("failed to build %s for %s/%s: %v", pkgPath, goos, goarch, b.err)
	}
	return b.zip
}

// BuildDir builds pkgPath for the host and unpacks it into a fresh test
// directory holding an executable `bootstrap`.
func BuildDir(t testing.TB, pkgPath string) string {
	t.Helper()
	return UnpackZip(t, BuildFunction(t, pkgPath))
}

func compile(k buildKey) ([]byte, error) {
	dir, err := os.MkdirTemp("", "lambdatest-build-")
	if err != nil {
		return nil, fmt.Errorf("failed to create build dir: %w", err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	out := filepath.Join(dir, "bootstrap")
	// Host builds take Go's defaults, as the embedded backend does
	// (build.NativeFlags): they reuse the packages every other build of the
	// run compiled, where -trimpath or CGO_ENABLED=0 would compile the AWS
	// SDK once more. Cross builds are static, as Lambda runs them.
	args, env := []string{"build", "-tags", "lambda.norpc", "-o", out}, os.Environ()
	if k.goos != goruntime.GOOS || k.goarch != goruntime.GOARCH {
		args = append(args, "-trimpath")
		env = append(env, "CGO_ENABLED=0", "GOOS="+k.goos, "GOARCH="+k.goarch)
	}
	cmd := exec.CommandContext(ctx, goTool(), append(args, k.pkg)...)
	if fi, err := os.Stat(k.pkg); err == nil && fi.IsDir() {
		cmd = exec.CommandContext(ctx, goTool(), append(args, ".")...)
		cmd.Dir = k.pkg
	}
	cmd.Env = env
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %w\n%s", err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("failed to read the built bootstrap: %w", err)
	}
	return Zip(map[string][]byte{"bootstrap": bin})
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	if p := filepath.Join(goruntime.GOROOT(), "bin", "go"); goruntime.GOROOT() != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// Zip packs files (name → content) into a zip; `bootstrap` and names ending
// in .sh are executable. Files are stored, not deflated: under the race
// detector, deflating and inflating a function of 15 MB takes seconds in
// every test binary that builds one (the emulator's inflating is tested on
// zips of its own).
func Zip(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Store}
		mode := os.FileMode(0o644)
		if filepath.Base(name) == "bootstrap" || strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("failed to add %s to zip: %w", name, err)
		}
		if _, err := w.Write(content); err != nil {
			return nil, fmt.Errorf("failed to write %s to zip: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("failed to finish zip: %w", err)
	}
	return buf.Bytes(), nil
}

// UnpackZip extracts a deployment package into a fresh test directory,
// keeping file modes, and returns the directory.
func UnpackZip(t testing.TB, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := Unzip(data, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Unzip extracts data into dir, refusing paths that escape it.
func Unzip(data []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("failed to open zip: %w", err)
	}
	for _, f := range zr.File {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(path, filepath.Clean(dir)+string(os.PathSeparator)) {
			return fmt.Errorf("zip entry %q escapes the target directory", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return fmt.Errorf("failed to create %s: %w", path, err)
			}
			continue
		}
		if err := unzipFile(f, path); err != nil {
			return err
		}
	}
	return nil
}

func unzipFile(f *zip.File, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", filepath.Dir(path), err)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("failed to open zip entry %s: %w", f.Name, err)
	}
	defer rc.Close()
	mode := f.Mode().Perm()
	if mode == 0 {
		mode = 0o644
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("failed to create %s: %w", path, err)
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return fmt.Errorf("failed to extract %s: %w", f.Name, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("failed to close %s: %w", path, err)
	}
	return nil
}
