package lambdatest

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest/greeterapi"
)

// Greeter is the import path of a small function that answers with the
// content of answer.txt in its package (see GreeterZip).
const Greeter = "github.com/apidriven/api-driven/emulator/lambda/lambdatest/testdata/greeter"

// GreeterOutput is the greeter's answer, re-exported for callers.
type GreeterOutput = greeterapi.Output

// GreeterZip is a deployment package of the greeter answering answer: the
// same binary, built once, with a different answer.txt, so that two
// packages are two versions of one function that answer differently.
func GreeterZip(t testing.TB, answer string) []byte {
	t.Helper()
	built := BuildFunction(t, Greeter)
	zr, err := zip.NewReader(bytes.NewReader(built), int64(len(built)))
	if err != nil {
		t.Fatalf("failed to read the greeter package: %v", err)
	}
	rc, err := zr.Open("bootstrap")
	if err != nil {
		t.Fatalf("greeter package has no bootstrap: %v", err)
	}
	defer rc.Close()
	bin, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("failed to read the greeter bootstrap: %v", err)
	}
	out, err := Zip(map[string][]byte{"bootstrap": bin, "answer.txt": []byte(answer + "\n")})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
