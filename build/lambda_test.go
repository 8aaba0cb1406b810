package build_test

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/build"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/internal/status/statustest"
)

// module writes a tiny module with a main package under lambda/.
func module(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/fn\n\ngo 1.26\n")
	write(t, filepath.Join(dir, "lambda", "main.go"), "package main\n\nfunc main() { println("+body+") }\n")
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLambdaZipSkipAndRebuild(t *testing.T) {
	dir := module(t, `"v1"`)
	var out bytes.Buffer
	opts := build.Options{Dir: dir, Platform: mustLinux(t, "x86_64"), Status: status.New(&out)}
	ctx := context.Background()

	first, err := build.Lambda(ctx, opts)
	if err != nil {
		t.Fatalf("first build: %v\n%s", err, out.String())
	}
	if first.Skipped {
		t.Fatal("first build reported skipped")
	}
	if first.Zip != filepath.Join(dir, ".apidriven", "build", "function.zip") {
		t.Fatalf("zip path = %s", first.Zip)
	}
	checkZip(t, first.Code, elf.EM_X86_64)

	second, err := build.Lambda(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Skipped || second.CodeSha256 != first.CodeSha256 {
		t.Fatalf("second build: skipped=%v sha %s vs %s", second.Skipped, second.CodeSha256, first.CodeSha256)
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Fatalf("skip not reported:\n%s", out.String())
	}

	// Forcing a rebuild of the same sources gives byte-identical output.
	if err := os.Remove(first.Zip + ".inputs"); err != nil {
		t.Fatal(err)
	}
	again, err := build.Lambda(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Skipped || again.CodeSha256 != first.CodeSha256 {
		t.Fatalf("rebuild not deterministic: skipped=%v sha %s vs %s", again.Skipped, again.CodeSha256, first.CodeSha256)
	}

	// A source change rebuilds.
	write(t, filepath.Join(dir, "lambda", "main.go"), "package main\n\nfunc main() { println(\"v2\") }\n")
	changed, err := build.Lambda(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Skipped || changed.CodeSha256 == first.CodeSha256 {
		t.Fatalf("source change not rebuilt: skipped=%v", changed.Skipped)
	}

	// Another platform is another input set.
	opts.Platform = mustLinux(t, "arm64")
	arm, err := build.Lambda(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if arm.Skipped {
		t.Fatal("platform change did not rebuild")
	}
	checkZip(t, arm.Code, elf.EM_AARCH64)
}

func TestLambdaCompileErrorNamesFix(t *testing.T) {
	dir := module(t, `undefinedName`)
	_, err := build.Lambda(context.Background(), build.Options{Dir: dir, Platform: build.Host(), Status: status.Discard()})
	if err == nil {
		t.Fatal("expected a compile error")
	}
	if !strings.Contains(err.Error(), "undefinedName") || status.FixOf(err) == "" {
		t.Fatalf("error should show the compiler output and a fix: %v (fix %q)", err, status.FixOf(err))
	}
}

func TestLinuxRejectsUnknownArch(t *testing.T) {
	if _, err := build.Linux("sparc"); err == nil {
		t.Fatal("expected an error for sparc")
	}
}

func mustLinux(t *testing.T, arch string) build.Platform {
	t.Helper()
	p, err := build.Linux(arch)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkZip asserts one entry `bootstrap`, mode 0755, an ELF of machine m.
func checkZip(t *testing.T, code []byte, m elf.Machine) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(code), int64(len(code)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("zip entries = %v", zr.File)
	}
	if mode := zr.File[0].Mode(); mode.Perm() != 0o755 || !mode.IsRegular() {
		t.Fatalf("bootstrap mode = %v", mode)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var bin bytes.Buffer
	if _, err := bin.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(bin.Bytes()))
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	if f.Machine != m {
		t.Fatalf("bootstrap machine = %v, want %v", f.Machine, m)
	}
}

func TestLongCompileKeepsTicking(t *testing.T) {
	statustest.PrependPath(t, statustest.SlowGo(t, "0.5"))
	dir := module(t, `"tick"`)
	var out bytes.Buffer
	st := status.New(&out)
	st.SetHeartbeatInterval(100 * time.Millisecond)
	if _, err := build.Lambda(context.Background(), build.Options{Dir: dir, Platform: mustLinux(t, "x86_64"), Status: st}); err != nil {
		t.Fatalf("build: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "\n  … still compiling the function (") {
		t.Fatalf("no heartbeat during a 0.5 s compile:\n%s", out.String())
	}
}

// The embedded emulator's function is built without -trimpath, so it reuses
// what Mage compiled for the targets; a Lambda build keeps it. Switching
// between the two on one architecture rebuilds.
func TestNativeAndLambdaBuilds(t *testing.T) {
	host := build.Host()
	if host.GOOS != "linux" {
		t.Skip("a Lambda build and a native build share the platform only on Linux")
	}
	dir := module(t, `"v1"`)
	ctx := context.Background()
	trimpath := func(code []byte) string {
		t.Helper()
		zr, err := zip.NewReader(bytes.NewReader(code), int64(len(code)))
		if err != nil {
			t.Fatal(err)
		}
		rc, err := zr.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var bin bytes.Buffer
		if _, err := bin.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		info, err := buildinfo.Read(bytes.NewReader(bin.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range info.Settings {
			if s.Key == "-trimpath" {
				return s.Value
			}
		}
		return ""
	}
	native, err := build.Lambda(ctx, build.Options{Dir: dir, Platform: host, Status: status.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if got := trimpath(native.Code); got != "" {
		t.Errorf("native build: -trimpath=%s", got)
	}
	lambda, err := build.Lambda(ctx, build.Options{Dir: dir, Platform: mustLinux(t, build.HostLambdaArch()), Status: status.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if lambda.Skipped || trimpath(lambda.Code) != "true" {
		t.Errorf("Lambda build after a native one: skipped=%v, -trimpath=%q", lambda.Skipped, trimpath(lambda.Code))
	}
	again, err := build.Lambda(ctx, build.Options{Dir: dir, Platform: host, Status: status.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if again.Skipped {
		t.Error("native build after a Lambda one reused the Lambda zip")
	}
}
