package lambda

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

type entry struct {
	name string
	mode fs.FileMode
	body string
}

func zipOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUnpackKeepsModesAndLinks(t *testing.T) {
	data := zipOf(t,
		entry{"bootstrap", 0o755, "#!/bin/sh\n"},
		entry{"lib/", fs.ModeDir | 0o755, ""},
		entry{"lib/data.txt", 0o644, "data"},
		entry{"current", fs.ModeSymlink | 0o777, "lib/data.txt"},
	)
	if _, perr := inspectZip(data); perr != nil {
		t.Fatalf("inspectZip: %v", perr)
	}
	dir := filepath.Join(t.TempDir(), "code")
	if err := unpack(data, dir); err != nil {
		t.Fatalf("unpack: %v", err)
	}
	if !hasBootstrap(dir) {
		t.Error("bootstrap lost its exec bit")
	}
	st, err := os.Stat(filepath.Join(dir, "lib", "data.txt"))
	if err != nil || st.Mode().Perm()&0o111 != 0 {
		t.Errorf("lib/data.txt: %v, mode %v; want a non-executable file", err, st)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "current")); err != nil || string(got) != "data" {
		t.Errorf("symlink current reads %q, %v", got, err)
	}
}

// TestUnpackRefusesBadArchives: every refusal is the caller's fault (a
// zipReadError, rendered as AWS's unzip error), never ours.
func TestUnpackRefusesBadArchives(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		inspect bool // refused already by inspectZip
	}{
		{"parent path", []entry{{"../evil", 0o644, "x"}}, true},
		{"absolute path", []entry{{"/etc/evil", 0o644, "x"}}, true},
		{"nested parent path", []entry{{"a/../../evil", 0o644, "x"}}, true},
		{"backslash path", []entry{{`..\evil`, 0o644, "x"}}, true},
		{"escaping symlink", []entry{{"link", fs.ModeSymlink | 0o777, "../../etc/passwd"}}, false},
		{"absolute symlink", []entry{{"link", fs.ModeSymlink | 0o777, "/etc/passwd"}}, false},
		{"file then dir", []entry{{"a", 0o644, "x"}, {"a/b", 0o644, "y"}}, false},
		{"device", []entry{{"dev", fs.ModeDevice | 0o644, ""}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := zipOf(t, tt.entries...)
			_, perr := inspectZip(data)
			if tt.inspect {
				if perr == nil || perr.Code != "InvalidParameterValueException" {
					t.Fatalf("inspectZip = %v, want InvalidParameterValueException", perr)
				}
				return
			}
			if perr != nil {
				t.Fatalf("inspectZip: %v", perr)
			}
			err := unpack(data, filepath.Join(t.TempDir(), "code"))
			var zerr zipReadError
			if !errors.As(err, &zerr) {
				t.Fatalf("unpack = %v, want a zipReadError", err)
			}
		})
	}
}

func TestInspectZipLimits(t *testing.T) {
	if _, perr := inspectZip(nil); perr == nil {
		t.Error("empty upload accepted")
	}
	if _, perr := inspectZip(make([]byte, maxZipBytes+1)); perr == nil || perr.Status != 413 {
		t.Errorf("oversized upload: %v, want 413", perr)
	}
	// A small archive that claims a huge unpacked size is refused up front.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "bomb", Method: zip.Store, UncompressedSize64: maxUnzippedBytes + 1, CompressedSize64: 1, CRC32: 0})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("x"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, perr := inspectZip(buf.Bytes()); perr == nil || perr.Code != "InvalidParameterValueException" {
		t.Errorf("zip bomb: %v, want InvalidParameterValueException", perr)
	}
}
