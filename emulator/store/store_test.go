package store

import (
	"os"
	"path/filepath"
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
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o644)
	if _, err := s.Load("bad", &v); err == nil {
		t.Fatal("corrupt snapshot loaded without error")
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
