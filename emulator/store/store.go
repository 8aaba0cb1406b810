// Package store persists emulator state: one JSON snapshot per service and
// blobs (function code), each written crash-safely (temp file, fsync,
// rename, fsync of the directory) so that a kill -9 leaves either the old or
// the new version, never a torn one. A Store with no directory keeps nothing
// and every call is a no-op, which is the in-memory mode.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Store is a data directory, or nothing (nil or empty dir: in memory).
type Store struct {
	dir string
	mu  sync.Mutex // serializes writers of the same file
}

// Open prepares dir (created when missing). An empty dir gives an in-memory
// store.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return &Store{}, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to resolve data dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create data dir %q: %w", abs, err)
	}
	return &Store{dir: abs}, nil
}

// Persistent reports whether state survives a restart.
func (s *Store) Persistent() bool { return s != nil && s.dir != "" }

// Dir is the data directory, empty in memory.
func (s *Store) Dir() string {
	if s == nil {
		return ""
	}
	return s.dir
}

// Save writes v as the JSON snapshot called name.
func (s *Store) Save(name string, v any) error {
	if !s.Persistent() {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("failed to encode %s state: %w", name, err)
	}
	return s.WriteFile(name+".json", data)
}

// Load reads the snapshot called name into v; found is false when there is
// none yet.
func (s *Store) Load(name string, v any) (found bool, err error) {
	data, err := s.ReadFile(name + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("failed to decode %s state in %s: %w", name, s.dir, err)
	}
	return true, nil
}

// ReadFile reads a file under the data dir; fs.ErrNotExist in memory.
func (s *Store) ReadFile(rel string) ([]byte, error) {
	if !s.Persistent() {
		return nil, fs.ErrNotExist
	}
	p, err := s.path(rel)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// WriteFile atomically replaces a file under the data dir.
func (s *Store) WriteFile(rel string, data []byte) error {
	if !s.Persistent() {
		return nil
	}
	p, err := s.path(rel)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p)+".*.tmp")
	if err != nil {
		return fmt.Errorf("failed to write %s: %w", p, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to write %s: %w", p, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("failed to sync %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("failed to write %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("failed to replace %s: %w", p, err)
	}
	return syncDir(dir)
}

// Remove deletes a file under the data dir; a missing file is fine.
func (s *Store) Remove(rel string) error {
	if !s.Persistent() {
		return nil
	}
	p, err := s.path(rel)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("failed to remove %s: %w", p, err)
	}
	return syncDir(filepath.Dir(p))
}

// path keeps rel inside the data dir.
func (s *Store) path(rel string) (string, error) {
	clean := filepath.Clean("/" + rel)
	if strings.Contains(rel, "..") || clean == "/" {
		return "", fmt.Errorf("invalid store path %q", rel)
	}
	return filepath.Join(s.dir, clean), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("failed to sync %s: %w", dir, err)
	}
	return nil
}
