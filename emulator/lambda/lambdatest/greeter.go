package lambdatest

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/apidriven/api-driven/emulator/lambda/lambdatest/greeterapi"
)

// Greeter is the import path of a small function that answers with the
// content of answer.txt in its package (see GreeterZip).
const Greeter = "github.com/apidriven/api-driven/emulator/lambda/lambdatest/testdata/greeter"

// GreeterOutput is the greeter's answer, re-exported for callers.
type GreeterOutput = greeterapi.Output

var (
	greeterOnce sync.Once
	greeterBin  []byte
	greeterErr  error
)

// GreeterZip is a deployment package of the greeter answering answer: the
// same binary, built once, with a different answer.txt, so that two
// packages are two versions of one function that answer differently. The
// entries are stored uncompressed: deflating the binary is slow under -race.
func GreeterZip(t testing.TB, answer string) []byte {
	t.Helper()
	built := BuildFunction(t, Greeter)
	greeterOnce.Do(func() { greeterBin, greeterErr = unzipBootstrap(built) })
	if greeterErr != nil {
		t.Fatalf("failed to read the greeter package: %v", greeterErr)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode uint32
		body []byte
	}{{"bootstrap", 0o755, greeterBin}, {"answer.txt", 0o644, []byte(answer + "\n")}} {
		h := &zip.FileHeader{Name: f.name, Method: zip.Store}
		h.SetMode(os.FileMode(f.mode))
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = w.Write(f.body)
		}
		if err != nil {
			t.Fatalf("failed to zip the greeter: %v", err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("failed to zip the greeter: %v", err)
	}
	return buf.Bytes()
}

func unzipBootstrap(pkg []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		return nil, err
	}
	rc, err := zr.Open("bootstrap")
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
