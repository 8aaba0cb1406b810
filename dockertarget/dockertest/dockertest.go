// Package dockertest gives tests a real Docker engine and names of their
// own: they skip, saying so, only when no engine answers, and remove what
// they created.
package dockertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/apidriven/api-driven/dockertarget"
	"github.com/apidriven/api-driven/internal/status"
)

// SkipMarker starts the message of every skip for lack of an engine, so
// a CI summary can grep for it.
const SkipMarker = "DOCKER TESTS SKIPPED"

// LogEnv names a file where Engine appends "ran <test>" or "skipped
// <test>: <why>", so CI can say whether the Docker tests ran (go test
// shows no skips without -v).
const LogEnv = "APIDRIVEN_DOCKER_TESTS_LOG"

// Engine returns a client of the engine, or skips the test when none
// answers within dockertarget.PingTimeout.
func Engine(t testing.TB) *client.Client {
	t.Helper()
	cli, err := dockertarget.Connect(context.Background())
	if err != nil {
		record(fmt.Sprintf("skipped %s: %v", t.Name(), err))
		fmt.Fprintf(os.Stderr, "%s: %s: no Docker engine answers: %v\n", SkipMarker, t.Name(), err)
		t.Skipf("%s: no Docker engine answers (%v)", SkipMarker, err)
	}
	record("ran " + t.Name())
	t.Cleanup(func() { cli.Close() })
	return cli
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

// Suffix is random, so parallel runs never share a name.
func Suffix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Options are a container and image named for this test only, removed
// (only if still the project's) when the test ends.
func Options(t testing.TB, cli *client.Client, root string) dockertarget.Options {
	t.Helper()
	s := Suffix(t)
	o := dockertarget.Options{Name: "apidriven-web-test-" + s, Image: dockertarget.LocalRepository + ":test-" + s, Root: root, Status: status.Discard()}
	t.Cleanup(func() { Cleanup(t, cli, o) })
	return o
}

// Cleanup removes the test's container and image.
func Cleanup(t testing.TB, cli *client.Client, o dockertarget.Options) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := cli.ContainerRemove(ctx, o.Name, client.ContainerRemoveOptions{Force: true}); err == nil {
		t.Logf("removed leftover container %s", o.Name)
	}
	if _, err := dockertarget.Remove(ctx, cli, o); err != nil {
		t.Logf("cleanup of %s / %s: %v", o.Name, o.Image, err)
	}
}

// Root is the module root, for building cmd/apidriven-web.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}
