package provision_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	zipMu    sync.Mutex
	zipCache = map[string][]byte{}
)

// functionZip builds ./lambda for Lambda (linux/amd64, static, no RPC
// mode) and zips it as `bootstrap`, once per test binary.
func functionZip(t *testing.T) []byte { return functionZipFor(t, "linux", "amd64") }

// functionZipFor builds the function for goos/goarch (the embedded
// emulator runs functions natively, so it needs the host's).
func functionZipFor(t *testing.T, goos, goarch string) []byte {
	t.Helper()
	zipMu.Lock()
	defer zipMu.Unlock()
	key := goos + "/" + goarch
	if data, ok := zipCache[key]; ok {
		return data
	}
	data, err := buildFunctionZip(t.TempDir(), goos, goarch)
	if err != nil {
		t.Fatalf("failed to build the function zip: %v", err)
	}
	zipCache[key] = data
	return data
}

func buildFunctionZip(dir, goos, goarch string) ([]byte, error) {
	bin := filepath.Join(dir, "bootstrap")
	// A host build takes the embedded backend's flags (Go's defaults, so it
	// reuses what the run compiled already); another platform's is static,
	// as Lambda runs it.
	args, env := []string{"build", "-tags", "lambda.norpc", "-ldflags=-s -w", "-o", bin}, os.Environ()
	if goos != runtime.GOOS || goarch != runtime.GOARCH {
		args = append(args, "-trimpath")
		env = append(env, "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), append(args, "./lambda")...)
	cmd.Dir = ".." // the module root
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, &buildError{err: err, out: out}
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return zipFiles(map[string][]byte{"bootstrap": exe})
}

// zipFiles zips files, executable, in a fixed order.
func zipFiles(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"bootstrap", "VERSION"} {
		data, ok := files[name]
		if !ok {
			continue
		}
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

// readBootstrap extracts bootstrap from a function zip.
func readBootstrap(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("bad zip: %v", err)
	}
	f, err := zr.Open("bootstrap")
	if err != nil {
		t.Fatalf("no bootstrap in zip: %v", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256b64(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}
