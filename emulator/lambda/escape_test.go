package lambda_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
)

// chainZip is the zip-slip that a textual check of link targets lets
// through: each link's target looks local from the name it is written
// under, but every link after the first is created through the previous
// one, one directory higher each time, and the last entry is a file written
// through all of them. depth links climb depth-1 levels above the code dir.
func chainZip(t *testing.T, depth int, victim, body string) []byte {
	files := []file{{name: "d/"}}
	name := "d"
	for i := 1; i <= depth; i++ {
		name += "/l" + string(rune('0'+i))
		files = append(files, file{name: name, mode: uint32(os.ModeSymlink | 0o777), body: ".."})
	}
	return makeZip(t, append(files, file{name: name + "/" + victim, mode: 0o644, body: body})...)
}

// TestCreateFunctionSymlinkChainCannotEscape sends the chain through the SDK
// against a persistent emulator whose code is unpacked under
// tmp/data/lambda-work/functions/us-east-1/<name>/.unpack-*: seven links
// reach tmp, where a file must stay untouched.
func TestCreateFunctionSymlinkChainCannotEscape(t *testing.T) {
	tmp := t.TempDir()
	victim := filepath.Join(tmp, "victim.txt")
	if err := os.WriteFile(victim, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := start(t, emulatortest.WithDataDir(filepath.Join(tmp, "data")))
	for _, call := range []struct {
		name string
		run  func(zip []byte) error
	}{
		{"CreateFunction", func(zip []byte) error {
			_, err := e.client.CreateFunction(emulatortest.Context(t), e.createInput("chain", zip))
			return err
		}},
		{"UpdateFunctionCode", func(zip []byte) error {
			e.create(t, "target", shellZip(t, "v1"))
			_, err := e.client.UpdateFunctionCode(emulatortest.Context(t), &lambda.UpdateFunctionCodeInput{
				FunctionName: aws.String("target"), ZipFile: zip,
			})
			return err
		}},
	} {
		t.Run(call.name, func(t *testing.T) {
			err := call.run(chainZip(t, 7, "victim.txt", "overwritten"))
			wantAPIError(t, err, "InvalidParameterValueException", 400, "Could not unzip uploaded file")
			if got, err := os.ReadFile(victim); err != nil || string(got) != "untouched" {
				t.Fatalf("%s after the chain: %q, %v; want it untouched", victim, got, err)
			}
			if leaked := outsideLinks(t, tmp, filepath.Join(tmp, "data", "lambda-work", "functions")); len(leaked) > 0 {
				t.Fatalf("links created outside the code directory: %v", leaked)
			}
		})
	}
}

// outsideLinks lists symlinks under dir that are not inside a code
// directory, functions/<region>/<name>/<code dir>/.
func outsideLinks(t *testing.T, dir, functions string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&os.ModeSymlink == 0 {
			return nil
		}
		rel, relErr := filepath.Rel(functions, p)
		if relErr != nil || !filepath.IsLocal(rel) || len(strings.Split(rel, string(filepath.Separator))) < 4 {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLinksInsideTheCodeDirectoryWork: a bootstrap that is a link to the
// real binary, and a file written through a link to a directory, are kept
// as AWS keeps them, and the function runs.
func TestLinksInsideTheCodeDirectoryWork(t *testing.T) {
	probe := unzipFile(t, lambdatest.BuildFunction(t, lambdatest.Probe), "bootstrap")
	e := start(t)
	e.create(t, "linked", makeZip(t,
		file{name: "bin/"},
		file{name: "bin/probe", mode: 0o755, body: string(probe)},
		file{name: "bootstrap", mode: uint32(os.ModeSymlink | 0o777), body: "bin/probe"},
		file{name: "etc", mode: uint32(os.ModeSymlink | 0o777), body: "bin"},
		file{name: "etc/greeting.txt", mode: 0o644, body: "through a link"},
	))
	out, po := invokeProbe(t, e, "linked", lambdatest.ProbeCommand{Echo: json.RawMessage(`"linked"`)})
	if out.FunctionError != nil || string(po.Echo) != `"linked"` {
		t.Fatalf("Invoke: FunctionError %q, echo %s; want the probe's answer", aws.ToString(out.FunctionError), po.Echo)
	}
	got, err := os.ReadFile(filepath.Join(po.Cwd, "bin", "greeting.txt"))
	if err != nil || string(got) != "through a link" {
		t.Errorf("bin/greeting.txt (written as etc/greeting.txt) = %q, %v", got, err)
	}
}

// unzipFile returns one file of a zip.
func unzipFile(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
