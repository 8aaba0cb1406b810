package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	type state struct{ Items map[string]int }
	if err := s.Save("svc", state{Items: map[string]int{"a": 1}}); err != nil {
		t.Fatal(err)
	}
	var got state
	found, err := s.Load("svc", &got)
	if err != nil || !found || got.Items["a"] != 1 {
		t.Fatalf("Load = %v, %v, %+v", found, err, got)
	}
	// No temp files are left behind.
	entries, _ := os.ReadDir(s.Dir())
	if len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want 1", len(entries))
	}
}

func TestLoadMissingAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	var v map[string]any
	if found, err := s.Load("none", &v); found || err != nil {
		t.Fatalf("missing snapshot: found=%v err=%v", found, err)
	}
	for _, content := range []string{"{", "", "null", "{}", " {} ", "[]", `"x"`, "42", `{"items":`} {
		if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := s.Load("bad", &v)
		var corrupt *CorruptError
		if !errors.As(err, &corrupt) {
			t.Fatalf("Load of %q = %v, want a *CorruptError", content, err)
		}
		want := filepath.Join(dir, "bad.json")
		if corrupt.Path != want || !strings.Contains(err.Error(), want) || !strings.Contains(corrupt.Fix(), "mv "+want+" "+want+".corrupt") {
			t.Errorf("Load of %q: %v (fix %q), want the path and the way out", content, err, corrupt.Fix())
		}
	}
}

// breakSnapshot makes the next Save of name fail for real, as a full disk
// would, even for root: the file's name is taken by a non-empty directory.
func breakSnapshot(t *testing.T, dir, name string) (repair func()) {
	t.Helper()
	p := filepath.Join(dir, name+".json")
	aside := p + ".aside"
	if err := os.Rename(p, aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p, "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(aside, p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
}

// TestRevertAfterFailedSave: the state goes back to what the file holds,
// which is what a restart loads.
func TestRevertAfterFailedSave(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	type state struct{ Items map[string]int }
	st := state{Items: map[string]int{"kept": 1}}
	if err := s.Save("svc", &st); err != nil {
		t.Fatal(err)
	}
	repair := breakSnapshot(t, dir, "svc")
	st.Items["lost"] = 2
	if err := s.Save("svc", &st); err == nil {
		t.Fatal("Save succeeded over a directory")
	}
	if err := s.Revert("svc", &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Items) != 1 || st.Items["kept"] != 1 {
		t.Fatalf("reverted state = %v, want only kept", st.Items)
	}
	repair()
	var reloaded state
	if _, err := s.Load("svc", &reloaded); err != nil || len(reloaded.Items) != 1 {
		t.Fatalf("reloaded = %v, %v", reloaded.Items, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries after a failed save, want 1 (no temp file left)", len(entries))
	}

	// Nothing saved yet: revert to the zero value.
	fresh := state{Items: map[string]int{"x": 1}}
	if err := s.Revert("never-saved", &fresh); err != nil || fresh.Items != nil {
		t.Fatalf("Revert of an unsaved snapshot = %v, %v; want the zero value", fresh, err)
	}
}

func TestRemovePrunesEmptyDirs(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	if err := s.WriteFile("lambda/code/r/f/a.zip", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile("lambda/keep.txt", []byte("k")); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("lambda/code/r/f/a.zip"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lambda", "code")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lambda/code still there after its only file went: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lambda", "keep.txt")); err != nil {
		t.Errorf("a sibling was removed: %v", err)
	}
}

func TestInMemoryIsNoop(t *testing.T) {
	s, _ := Open("")
	if s.Persistent() {
		t.Fatal("empty dir should be in memory")
	}
	if err := s.Save("x", 1); err != nil {
		t.Fatal(err)
	}
	var v int
	if found, _ := s.Load("x", &v); found {
		t.Fatal("in-memory store returned a snapshot")
	}
}

func TestPathEscapeRejected(t *testing.T) {
	s, _ := Open(t.TempDir())
	if err := s.WriteFile("../evil", []byte("x")); err == nil {
		t.Fatal("path escaping the data dir was accepted")
	}
}
