package embedded_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/backend/embedded"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/internal/status/statustest"
)

func TestInstallKeepsTickingDuringALongBuild(t *testing.T) {
	statustest.PrependPath(t, statustest.SlowGo(t, "0.5"))
	root := fakeRoot(t)
	var out bytes.Buffer
	st := status.New(&out)
	st.SetHeartbeatInterval(100 * time.Millisecond)
	p := embedded.New(embedded.Options{Root: root, StateDir: filepath.Join(root, ".apidriven"), Endpoint: freeEndpoint(t), Region: "us-east-1", Status: st})
	if err := p.Install(context.Background()); err != nil {
		t.Fatalf("install: %v\n%s", err, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "\n  … still building the emulator (") || !strings.Contains(got, "✓ build emulator ./cmd/awsemu → .apidriven/bin/awsemu (") {
		t.Fatalf("no heartbeat during a 0.5 s build:\n%s", got)
	}
}
