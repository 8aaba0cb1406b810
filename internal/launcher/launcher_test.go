package launcher

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		args []string
		want RunPlan
	}{
		{nil, RunPlan{Compile: true}},
		{[]string{"all"}, RunPlan{Compile: true}},
		{[]string{"up", "build"}, RunPlan{Compile: true}},
		{[]string{"-v", "-t", "5m", "all"}, RunPlan{Compile: true}},
		{[]string{"-t=5m", "smoke"}, RunPlan{Compile: true}},
		{[]string{"-l"}, RunPlan{Compile: true}},
		{[]string{"-h", "deploy"}, RunPlan{Compile: true}},
		{[]string{"-h"}, RunPlan{}},        // Mage's usage
		{[]string{"-version"}, RunPlan{}},  // Mage's own commands: straight to Mage
		{[]string{"-clean"}, RunPlan{}},    //
		{[]string{"-f", "all"}, RunPlan{}}, // options only Mage knows
		{[]string{"-d", "sub", "all"}, RunPlan{OwnDir: true}},
		{[]string{"-w=sub", "all"}, RunPlan{OwnDir: true}},
		{[]string{"all", "-d"}, RunPlan{Compile: true}}, // after a target, arguments are the target's
		{[]string{"--", "all"}, RunPlan{Compile: true}},
	}
	for _, tt := range tests {
		if got := Plan(tt.args); got != tt.want {
			t.Errorf("Plan(%q) = %+v, want %+v", tt.args, got, tt.want)
		}
	}
}

func TestFindRoot(t *testing.T) {
	mod := t.TempDir()
	write(t, mod, "go.mod", "module example.com/x\n")
	write(t, mod, "magefile.go", "//go:build mage\n\npackage main\n")
	sub := filepath.Join(mod, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{mod, sub} {
		if got, err := FindRoot(dir); err != nil || got != mod {
			t.Errorf("FindRoot(%s) = %q, %v; want %s", dir, got, err, mod)
		}
	}

	nomage := t.TempDir()
	write(t, nomage, "go.mod", "module example.com/y\n")
	if _, err := FindRoot(nomage); err == nil || !strings.Contains(err.Error(), "has no magefile.go") {
		t.Errorf("a module without magefile.go: %v", err)
	}
}

// The fixture is a small module with a magefile like ours (targets calling
// a library package), the real Mage, and a cache directory shared by the
// tests so that Mage is compiled once.
type fixture struct {
	root, sub, cache, mage string
	env                    []string
}

var (
	fixOnce sync.Once
	fix     fixture
	fixErr  string
	tmpRoot string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

const magefile = `//go:build mage

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/magefile/mage/mg"

	"example.com/magetest/lib"
)

// Hello prints the library's message.
func Hello() { fmt.Println("hello", lib.Msg) }

// Shout reads a line from stdin and prints it in capitals.
func Shout() error {
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Println(strings.ToUpper(line))
	return err
}

// Fail exits with code 3.
func Fail() error { return mg.Fatal(3, "boom") }

// Where prints the working directory.
func Where() { wd, _ := os.Getwd(); fmt.Println(wd) }

// Wait waits for Ctrl-C and counts the interrupts that reach it.
func Wait(ctx context.Context) error {
	sigs := make(chan os.Signal, 10)
	signal.Notify(sigs, os.Interrupt)
	fmt.Println("waiting")
	<-sigs
	time.Sleep(500 * time.Millisecond)
	fmt.Printf("got %d interrupt(s)\n", 1+len(sigs))
	return errors.New("interrupted")
}
`

func setup(t *testing.T) fixture {
	t.Helper()
	fixOnce.Do(func() {
		var err error
		if tmpRoot, err = os.MkdirTemp("", "launcher-test-"); err != nil {
			fixErr = err.Error()
			return
		}
		sum, err := os.ReadFile(filepath.Join("..", "..", "go.sum"))
		if err != nil {
			fixErr = err.Error()
			return
		}
		var mageSums []string
		for _, l := range strings.Split(string(sum), "\n") {
			if strings.HasPrefix(l, MageModule+" ") {
				mageSums = append(mageSums, l)
			}
		}
		f := fixture{root: filepath.Join(tmpRoot, "mod"), cache: filepath.Join(tmpRoot, "cache")}
		f.sub = filepath.Join(f.root, "lib", "deeper")
		if err := os.MkdirAll(f.sub, 0o755); err != nil {
			fixErr = err.Error()
			return
		}
		version := strings.Fields(mageSums[0])[1]
		files := map[string]string{
			"go.mod":      "module example.com/magetest\n\ngo 1.26\n\nrequire " + MageModule + " " + version + "\n",
			"go.sum":      strings.Join(mageSums, "\n") + "\n",
			"magefile.go": magefile,
			"lib/lib.go":  "package lib\n\nconst Msg = \"one\"\n",
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(f.root, name), []byte(content), 0o644); err != nil {
				fixErr = err.Error()
				return
			}
		}
		f.env = append(os.Environ(), "MAGEFILE_CACHE="+filepath.Join(tmpRoot, "magefile-cache"), "GOWORK=off", "MAGEFILE_HASHFAST=1")
		fix = f
	})
	if fixErr != "" {
		t.Fatal(fixErr)
	}
	return fix
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs the launcher in dir and returns its streams and exit code. A
// warm compile never announces itself here, however loaded the machine.
func run(f fixture, dir, stdin string, args ...string) (stdout, stderr, progress string, code int) {
	var o, e, p bytes.Buffer
	l := &Launcher{
		Dir: dir, Stdin: strings.NewReader(stdin), Stdout: &o, Stderr: &e, Progress: &p,
		Env: f.env, Go: "go", CacheDir: f.cache, AnnounceAfter: time.Hour,
	}
	code = l.Run(args)
	return o.String(), e.String(), p.String(), code
}

func TestRunFromSubdirectoryMatchesMage(t *testing.T) {
	f := setup(t)
	cold, _ := filepath.Glob(filepath.Join(f.cache, "mage-*"))
	out, errOut, progress, code := run(f, f.sub, "", "hello")
	if code != 0 || out != "hello one\n" {
		t.Fatalf("first run from %s: code %d, stdout %q, stderr %q, progress:\n%s", f.sub, code, out, errOut, progress)
	}
	if len(cold) == 0 { // the first run compiled Mage and the targets, and said so
		for _, want := range []string{"first run on this machine: compiling Mage", "✓ compile Mage", "compiling the targets: magefile.go", "✓ compile the targets ("} {
			if !strings.Contains(progress, want) {
				t.Errorf("cold progress lacks %q:\n%s", want, progress)
			}
		}
	}
	mage, err := filepath.Glob(filepath.Join(f.cache, "mage-*"))
	if err != nil || len(mage) != 1 {
		t.Fatalf("the Mage binary in %s: %v %v", f.cache, mage, err)
	}

	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"default: list", nil, ""},
		{"list", []string{"-l"}, ""},
		{"one target", []string{"hello"}, ""},
		{"two targets", []string{"hello", "where"}, ""},
		{"verbose", []string{"-v", "hello"}, ""},
		{"target help", []string{"-h", "shout"}, ""},
		{"mage usage", []string{"-h"}, ""},
		{"stdin", []string{"shout"}, "quiet words\n"},
		{"exit code of a target", []string{"fail"}, ""},
		{"stops at the failing target", []string{"fail", "hello"}, ""},
		{"unknown target", []string{"nosuch"}, ""},
		{"bad flag", []string{"-nosuchflag"}, ""},
		{"mage's own command", []string{"-version"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(mage[0], tt.args...)
			cmd.Dir, cmd.Env, cmd.Stdin = f.root, f.env, strings.NewReader(tt.stdin)
			var wantOut, wantErr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
			wantCode := exitCode(cmd.Run(), &wantErr)

			out, errOut, progress, code := run(f, f.sub, tt.stdin, tt.args...)
			if code != wantCode || out != wantOut.String() || errOut != wantErr.String() {
				t.Errorf("launcher from a subdirectory: code %d\n%s\nstderr %s\nmage at the root: code %d\n%s\nstderr %s",
					code, out, errOut, wantCode, wantOut.String(), wantErr.String())
			}
			if progress != "" {
				t.Errorf("a warm run printed progress lines:\n%s", progress)
			}
		})
	}
}

func TestChangeInImportedPackageIsCompiledIn(t *testing.T) {
	f := setup(t)
	if out, _, p, code := run(f, f.root, "", "hello"); code != 0 || out != "hello one\n" {
		t.Fatalf("before the change: %d %q\n%s", code, out, p)
	}
	// magefile.go stays the same: only what it imports changes, and the
	// environment asks Mage to trust its cache (MAGEFILE_HASHFAST=1).
	write(t, f.root, "lib/lib.go", "package lib\n\nconst Msg = \"two\"\n")
	t.Cleanup(func() { write(t, f.root, "lib/lib.go", "package lib\n\nconst Msg = \"one\"\n") })
	if out, _, p, code := run(f, f.root, "", "hello"); code != 0 || out != "hello two\n" {
		t.Fatalf("after changing lib/: code %d, stdout %q (a stale binary?)\n%s", code, out, p)
	}
}

func TestCompileErrorIsMagesOwn(t *testing.T) {
	f := setup(t)
	write(t, f.root, "lib/lib.go", "package lib\n\nconst Msg = undefinedThing\n")
	t.Cleanup(func() { write(t, f.root, "lib/lib.go", "package lib\n\nconst Msg = \"one\"\n") })
	_, errOut, _, code := run(f, f.root, "", "hello")
	if code != 1 || !strings.Contains(errOut, "undefined: undefinedThing") || !strings.Contains(errOut, "Error: error compiling magefiles") {
		t.Fatalf("code %d, stderr:\n%s", code, errOut)
	}
}

func TestOutsideTheProject(t *testing.T) {
	dir := t.TempDir()
	var p bytes.Buffer
	l := &Launcher{Dir: dir, Progress: &p, Stderr: &p, Stdout: &p, Go: "go", CacheDir: t.TempDir()}
	if code := l.Run([]string{"all"}); code != 1 {
		t.Fatalf("exit code %d", code)
	}
	want := "✗ mage: no go.mod in " + dir + " or any directory above it\n  → run it inside the api-driven repository (any directory of it): go tool mage -l\n"
	if p.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", p.String(), want)
	}
}

func TestCompileLogCountsPackages(t *testing.T) {
	var c compileLog
	if c.detail() != "" {
		t.Fatalf("before anything: %q", c.detail())
	}
	for _, chunk := range []string{"runtime\ninternal/byt", "eorder\n# example.com/x\n", "x.go:1:2: undefined: y\ngithub.com/aws/aws-sdk-go-v2/service/ec2\n"} {
		c.Write([]byte(chunk))
	}
	if got, want := c.detail(), "3 packages started, the latest github.com/aws/aws-sdk-go-v2/service/ec2"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
