// Package scripts_test checks the set-up files that cannot run here (the
// dev container, the GitHub workflow) against what was verified upstream
// (docs/codespaces.md), and that CI fails where a user would.
package scripts_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestDevcontainer(t *testing.T) {
	var dc struct {
		Image           string                       `json:"image"`
		Features        map[string]map[string]any    `json:"features"`
		ForwardPorts    []int                        `json:"forwardPorts"`
		PortsAttributes map[string]map[string]string `json:"portsAttributes"`
		PostCreate      string                       `json:"postCreateCommand"`
		WaitFor         string                       `json:"waitFor"`
	}
	if err := json.Unmarshal([]byte(read(t, ".devcontainer/devcontainer.json")), &dc); err != nil {
		t.Fatalf("devcontainer.json: %v", err)
	}
	// Go 1.26 on Debian trixie, where the docker-in-docker feature exits 1
	// unless moby is false (Docker CE from Docker's own repository).
	if dc.Image != "mcr.microsoft.com/devcontainers/go:1.26-trixie" {
		t.Errorf("image %q", dc.Image)
	}
	if dind, ok := dc.Features["ghcr.io/devcontainers/features/docker-in-docker:2"]; !ok || dind["moby"] != false {
		t.Errorf("docker-in-docker:2 must be there with \"moby\": false, got %v", dind)
	}
	if _, ok := dc.Features["ghcr.io/devcontainers/features/aws-cli:1"]; !ok {
		t.Error("the aws-cli feature is missing")
	}
	for port, label := range map[int]string{4566: "AWS emulator: AWS APIs (keep private)", 4567: "Stage URLs only (go tool mage public)"} {
		found := false
		for _, p := range dc.ForwardPorts {
			found = found || p == port
		}
		if !found || dc.PortsAttributes[strconv.Itoa(port)]["label"] != label {
			t.Errorf("port %d: forwarded %v, attributes %v; want the label %q", port, found, dc.PortsAttributes[strconv.Itoa(port)], label)
		}
	}
	if dc.PostCreate != "bash scripts/warm-up.sh" || dc.WaitFor != "postCreateCommand" {
		t.Errorf("postCreateCommand %q, waitFor %q", dc.PostCreate, dc.WaitFor)
	}
	if !strings.Contains(read(t, "scripts/warm-up.sh"), "\ngo tool mage install build\n") {
		t.Error("scripts/warm-up.sh no longer compiles what `all` needs with `go tool mage install build`")
	}
}

func TestCIFailsWhereAUserWould(t *testing.T) {
	run := read(t, ".ci/run")
	if strings.Contains(run, "-mod=mod") {
		t.Error(".ci/run sets -mod=mod, which repairs a go.sum a user's machine would reject")
	}
	for _, want := range []string{"go mod verify", "go mod tidy -diff", "go vet ./... && go test -race"} {
		if !strings.Contains(run, want) {
			t.Errorf(".ci/run does not run %q", want)
		}
	}
	// Majors whose action.yml runs on node24 (checkout v5+, setup-go v6+).
	min := map[string]int{"actions/checkout": 5, "actions/setup-go": 6}
	uses := regexp.MustCompile(`uses: (actions/[a-z-]+)@v(\d+)`)
	matches := uses.FindAllStringSubmatch(read(t, ".github/workflows/ci.yml"), -1)
	if len(matches) != len(min) {
		t.Fatalf("ci.yml uses %v", matches)
	}
	for _, m := range matches {
		major, _ := strconv.Atoi(m[2])
		if major < min[m[1]] {
			t.Errorf("%s@v%d runs on a deprecated Node runtime; use v%d or later", m[1], major, min[m[1]])
		}
	}
}

func TestGoToolMageIsTheLauncher(t *testing.T) {
	out, err := exec.Command("go", "mod", "edit", "-json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var mod struct {
		Require []struct{ Path string }
		Tool    []struct{ Path string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	if len(mod.Tool) != 1 || mod.Tool[0].Path != "github.com/apidriven/api-driven/cmd/mage" {
		t.Errorf("tools %v: `go tool mage` must resolve to cmd/mage only", mod.Tool)
	}
	required := false
	for _, r := range mod.Require {
		required = required || r.Path == "github.com/magefile/mage"
	}
	if !required {
		t.Error("go.mod no longer requires github.com/magefile/mage, which the launcher builds")
	}
}

// The README's two commands, in both languages, are what CI and
// `go tool mage test` run.
func TestReadmeCommandsAreCIs(t *testing.T) {
	const testCmd = "go vet ./... && go test -race ./..."
	for _, readme := range []string{"README.md", "README.fr.md"} {
		text := read(t, readme)
		for _, cmd := range []string{"go tool mage all", testCmd} {
			if !strings.Contains(text, cmd) {
				t.Errorf("%s does not give the command %q", readme, cmd)
			}
		}
	}
	if ci := read(t, ".ci/run"); !regexp.MustCompile(`go vet \./\.\.\. && go test -race [^\n]*\./\.\.\.`).MatchString(ci) {
		t.Errorf(".ci/run does not run the README's test command %q", testCmd)
	}
}

// The French exercises carry the same commands as the English ones, which
// e2e/exercises_test.go runs.
func TestExercisesInStep(t *testing.T) {
	block := regexp.MustCompile("(?s)```sh\n# exercise-3:.*?```")
	en, fr := block.FindString(read(t, "docs/exercises.md")), block.FindString(read(t, "docs/exercices.md"))
	if en == "" || en != fr {
		t.Errorf("exercise 3's commands differ between docs/exercises.md and docs/exercices.md:\n%s\n---\n%s", en, fr)
	}
}
