// Package browsertest gives tests a real headless Chromium driven by
// chromedp: they skip, saying so, only when Chromium is not installed
// (Debian's chromium package), record whether they ran for CI's summary,
// and save screenshots where CI keeps them.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// SkipMarker starts the message of every skip for lack of a browser, so
// that a CI summary can grep for it.
const SkipMarker = "BROWSER TESTS SKIPPED"

// LogEnv names a file where Browser appends "ran <test>" or "skipped
// <test>: <why>" (go test shows no skips without -v).
const LogEnv = "APIDRIVEN_BROWSER_TESTS_LOG"

// ArtifactsEnv names the directory screenshots are saved in; without it
// they go to a temporary directory the test logs.
const ArtifactsEnv = "APIDRIVEN_BROWSER_ARTIFACTS"

// Executable finds Chromium ("" when absent).
func Executable() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser starts a headless Chromium of width×height for the test (or
// skips it without one) and returns a tab's context; everything stops when
// the test ends.
func Browser(t testing.TB, width, height int) context.Context {
	t.Helper()
	exe := Executable()
	if exe == "" {
		why := "Chromium is not installed (apt-get install -y chromium)"
		record(fmt.Sprintf("skipped %s: %s", t.Name(), why))
		fmt.Fprintf(os.Stderr, "%s: %s: %s\n", SkipMarker, t.Name(), why)
		t.Skipf("%s: %s", SkipMarker, why)
	}
	record("ran " + t.Name())
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe),
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(width, height))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses its sandbox as root
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	return ctx
}

// Save writes a screenshot (or any artifact) named name under the
// artifacts directory and logs where.
func Save(t testing.TB, name string, data []byte) {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("failed to create the artifacts directory: %v", err)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Errorf("failed to save %s: %v", name, err)
		return
	}
	t.Logf("saved %s", path)
}

func record(line string) {
	path := os.Getenv(LogEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(strings.ReplaceAll(line, "\n", " ") + "\n")
}
