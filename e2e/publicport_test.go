package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apidriven/api-driven/backend/probe"
)

// TestPublicPortSticks: a public port chosen with APIDRIVEN_PUBLIC_PORT is
// recorded like the endpoint. A plain up reuses the emulator; after a
// plain down, a plain up starts it on both recorded ports again; a plain
// clean stops it.
func TestPublicPortSticks(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	dir := copyRepo(t)
	t.Cleanup(func() { stopLeftover(t, dir) })
	r := &repo{dir: dir, env: env()}
	ep := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	public := fmt.Sprint(freePort(t))
	served := func(what string, want bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		info, err := probe.Health(ctx, "http://127.0.0.1:"+public)
		if got := err == nil && info.Served; got != want {
			t.Fatalf("%s: health served on the public port %s = %v (%v), want %v", what, public, got, err, want)
		}
	}

	r.with("AWS_ENDPOINT_URL="+ep, "APIDRIVEN_PUBLIC_PORT="+public).mustMage(t, "up")
	served("up with APIDRIVEN_PUBLIC_PORT", true)
	pid := emulatorPID(t, dir)

	out := r.mustMage(t, "up")
	mustContain(t, "a plain up", out, "APIDRIVEN_PUBLIC_PORT="+public, "AWS_ENDPOINT_URL="+ep, "reusing it")
	if emulatorPID(t, dir) != pid {
		t.Error("a plain up restarted the emulator")
	}

	r.mustMage(t, "down")
	waitGone(t, pid)
	served("after down", false)
	r.mustMage(t, "up")
	served("a plain up after down", true)

	r.mustMage(t, "clean")
	served("after clean", false)
}
