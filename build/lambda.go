package build

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/apidriven/api-driven/internal/status"
)

// Flags are the go build flags of the function binary for Lambda
// (LocalStack, AWS): static, no RPC shim (provided.al2023 speaks the Runtime
// API), reproducible, small.
var Flags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// NativeFlags build the function the embedded emulator runs as a process of
// this machine (Platform.Native): no -trimpath and no CGO_ENABLED=0, the two
// settings that make Go compile the AWS SDK again, so the function reuses
// what Mage compiled for the targets with Go's defaults, and a first build
// takes seconds, not minutes. (The build tag, -buildvcs and -ldflags do not
// change the packages.) Lambda builds (Flags) stay static and reproducible.
var NativeFlags = []string{"-tags", "lambda.norpc", "-buildvcs=false", "-ldflags=-s -w"}

func (p Platform) flags() []string {
	if p.Native {
		return NativeFlags
	}
	return Flags
}

// zipTime is the fixed mtime inside the zip, so the same binary always
// yields the same bytes and therefore the same CodeSha256.
var zipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// FirstBuild and FirstBuildLambda are how long the function's first build
// takes, natively after Mage compiled the targets and for Lambda, as
// scripts/first-run.sh measures them (docs/speed.md).
const (
	FirstBuild       = "under 30 s, most of it was compiled with the targets"
	FirstBuildLambda = "it compiles the AWS SDK again, for Lambda: 1 to 2 minutes on 2 idle CPUs, up to 8 on a busy machine"
)

// Options says what to build and where.
type Options struct {
	Dir      string   // module root; the go commands run here
	Package  string   // default "./lambda"
	OutDir   string   // default Dir/.apidriven/build
	Platform Platform // target GOOS/GOARCH
	Status   *status.Status
	// Fix is what to do after a compile error (default: fix it, then run
	// `go tool mage build` again).
	Fix string
}

// Result is a built (or reused) function package.
type Result struct {
	Zip        string // path of function.zip
	Code       []byte // the zip's bytes, for Lambda CreateFunction/UpdateFunctionCode
	CodeSha256 string // base64 SHA-256 of the zip, as Lambda reports it
	Skipped    bool   // nothing changed since the last build
}

// Lambda builds the function binary `bootstrap` and zips it, or reuses the
// previous zip when the sources, go.mod/go.sum and platform are unchanged.
func Lambda(ctx context.Context, o Options) (*Result, error) {
	if o.Package == "" {
		o.Package = "./lambda"
	}
	if o.OutDir == "" {
		o.OutDir = filepath.Join(o.Dir, ".apidriven", "build")
	}
	zipPath := filepath.Join(o.OutDir, "function.zip")
	stampPath := zipPath + ".inputs"
	step := o.Status.Start(fmt.Sprintf("build lambda %s for %s", o.Package, o.Platform))

	inputs, err := inputsHash(ctx, o)
	if err != nil {
		return nil, step.Fail(err)
	}
	if old, err := os.ReadFile(stampPath); err == nil && strings.TrimSpace(string(old)) == inputs {
		if code, err := os.ReadFile(zipPath); err == nil {
			step.Done("up to date, nothing changed since the last build: " + rel(o.Dir, zipPath))
			return &Result{Zip: zipPath, Code: code, CodeSha256: codeSha256(code), Skipped: true}, nil
		}
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, step.Fail(fmt.Errorf("failed to create %s: %w", o.OutDir, err))
	}
	if _, err := os.Stat(zipPath); err != nil {
		first := FirstBuildLambda
		if o.Platform.Native {
			first = FirstBuild
		}
		o.Status.Infof("compiling the function (the first build on a machine: %s)…", first)
	}
	bin := filepath.Join(o.OutDir, "bootstrap")
	args := append([]string{"build"}, o.Platform.flags()...)
	args = append(args, "-o", bin, o.Package)
	stop := step.Heartbeat("still compiling the function")
	out, err := goCmd(ctx, o, args...)
	stop()
	if err != nil {
		return nil, step.Fail(status.WithFix(fmt.Errorf("failed to compile %s: %w\n%s", o.Package, err, bytes.TrimRight(out, "\n")),
			"%s", o.fixOr("fix the compile error above, then run `go tool mage build` again")))
	}
	code, err := zipBootstrap(bin)
	if err != nil {
		return nil, step.Fail(err)
	}
	if err := writeAtomic(zipPath, code); err != nil {
		return nil, step.Fail(err)
	}
	if err := writeAtomic(stampPath, []byte(inputs+"\n")); err != nil {
		return nil, step.Fail(err)
	}
	step.Done(fmt.Sprintf("→ %s (%d KiB)", rel(o.Dir, zipPath), len(code)/1024))
	return &Result{Zip: zipPath, Code: code, CodeSha256: codeSha256(code)}, nil
}

// inputsHash covers every file of the main module's packages the function
// depends on (for this platform and tags), go.mod, go.sum, the toolchain,
// the flags and the platform.
func inputsHash(ctx context.Context, o Options) (string, error) {
	out, err := goCmd(ctx, o, "list", "-deps", "-tags", "lambda.norpc",
		"-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", o.Package)
	if err != nil {
		return "", status.WithFix(fmt.Errorf("failed to list the packages of %s: %w\n%s", o.Package, err, bytes.TrimRight(out, "\n")),
			"%s", o.fixOr(fmt.Sprintf("check that %s exists and compiles: go build %s", o.Package, o.Package)))
	}
	h := sha256.New()
	fmt.Fprintf(h, "platform %s\ngo %s\nflags %q\n", o.Platform, runtime.Version(), o.Platform.flags())
	files := []string{filepath.Join(o.Dir, "go.mod"), filepath.Join(o.Dir, "go.sum")}
	for _, dir := range strings.Fields(string(out)) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", fmt.Errorf("failed to read %s: %w", dir, err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue // go.sum may be absent in a module without dependencies
		}
		if err != nil {
			return "", fmt.Errorf("failed to read %s: %w", f, err)
		}
		fmt.Fprintf(h, "%s %d\n", rel(o.Dir, f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fixOr is o.Fix, else def.
func (o Options) fixOr(def string) string {
	if o.Fix != "" {
		return o.Fix
	}
	return def
}

func goCmd(ctx context.Context, o Options, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(), "GOOS="+o.Platform.GOOS, "GOARCH="+o.Platform.GOARCH)
	if !o.Platform.Native {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0") // static, for Lambda's sandbox
	}
	return cmd.CombinedOutput()
}

// zipBootstrap packs the binary as `bootstrap` at the zip root, mode 0755,
// with a fixed mtime: provided.al2023 executes /var/task/bootstrap.
func zipBootstrap(bin string) ([]byte, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", bin, err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// Deflate's fastest level: a third of the default's CPU time for 10%
	// more bytes, which a watch loop waits for on every save.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return nil, fmt.Errorf("failed to add bootstrap to the zip: %w", err)
	}
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("failed to compress bootstrap: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("failed to finish the zip: %w", err)
	}
	return buf.Bytes(), nil
}

func codeSha256(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	return nil
}

func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
