// Package statustest helps test progress lines: SlowGo makes a compile last
// long enough for a heartbeat to show, whatever the machine.
package statustest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// SlowGo writes a `go` command that waits delay (a sleep(1) duration such
// as "0.5") before and after each `go build` of the real go, so a heartbeat
// shows both before anything was compiled and after. It returns the script;
// put its directory first on PATH (PrependPath) or hand it to a tool that
// takes a go command.
func SlowGo(t testing.TB, delay string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the slow go command is a shell script")
	}
	real, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	script := filepath.Join(t.TempDir(), "go")
	body := "#!/bin/sh\n[ \"$1\" = build ] || exec " + real + " \"$@\"\n" +
		"sleep " + delay + "\n" + real + " \"$@\"\nrc=$?\nsleep " + delay + "\nexit $rc\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

// PrependPath makes the go commands of this test run script.
func PrependPath(t testing.TB, script string) {
	t.Setenv("PATH", filepath.Dir(script)+string(os.PathListSeparator)+os.Getenv("PATH"))
}
