// Package store persists emulator state: one JSON snapshot per service and
// blobs (function code), each written crash-safely (temp file, fsync,
// rename, fsync of the directory) so that a kill -9 leaves either the old or
// the new version, never a torn one. A Store with no directory keeps nothing
// and every call is a no-op, which is the in-memory mode.
//
// A change that cannot be saved must not be applied: the store remembers
// each snapshot as last loaded or saved, and Revert brings a service's
// state back to it when a Save fails.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
)

// Store is a data directory, or nothing (nil or empty dir: in memory).
type Store struct {
	dir  string
	mu   sync.Mutex        // serializes writers of the same file
	last map[string][]byte // snapshot name -> bytes last loaded or saved
}

// CorruptError is a snapshot that cannot be loaded. Start-up stops on it
// rather than serve the service empty and overwrite the file on the next
// change.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("state file %s is unusable: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Fix is the way out, as the user types it.
func (e *CorruptError) Fix() string {
	return fmt.Sprintf("move it aside and the service starts empty: mv %s %s.corrupt", e.Path, e.Path)
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

// Save writes v as the JSON snapshot called name. On failure the file keeps
// its previous content, and the caller reverts its state (see Revert).
func (s *Store) Save(name string, v any) error {
	if !s.Persistent() {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("failed to encode %s state: %w", name, err)
	}
	p, err := s.path(name + ".json")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeAtomic(p, data); err != nil && !errors.Is(err, errDirSync) {
		return err
	}
	// Once renamed, the file holds the change: so must the service, even
	// if the directory could not be synced.
	s.rememberLocked(name, data)
	return nil
}

// Load reads the snapshot called name into v; found is false when there is
// none yet. A file that does not parse, or that holds no state at all
// (null, {}: never written by Save, whose snapshots name their fields), is
// a *CorruptError.
func (s *Store) Load(name string, v any) (found bool, err error) {
	data, err := s.ReadFile(name + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	p, _ := s.path(name + ".json")
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return false, &CorruptError{Path: p, Err: fmt.Errorf("it does not parse as a JSON object: %w", err)}
	}
	if len(fields) == 0 {
		return false, &CorruptError{Path: p, Err: fmt.Errorf("it holds no state (%s)", bytes.TrimSpace(data))}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, &CorruptError{Path: p, Err: fmt.Errorf("it does not decode: %w", err)}
	}
	s.mu.Lock()
	s.rememberLocked(name, data)
	s.mu.Unlock()
	return true, nil
}

// Revert sets *v back to the snapshot called name as last loaded or saved,
// or to its zero value when there was none: a service calls it when Save
// failed, so that the change it could not save is not applied.
func (s *Store) Revert(name string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("revert %s: need a non-nil pointer, got %T", name, v)
	}
	rv.Elem().SetZero()
	if s == nil {
		return nil
	}
	s.mu.Lock()
	data := s.last[name]
	s.mu.Unlock()
	if data == nil {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("failed to revert %s state: %w", name, err)
	}
	return nil
}

func (s *Store) rememberLocked(name string, data []byte) {
	if s.last == nil {
		s.last = map[string][]byte{}
	}
	s.last[name] = data
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
	return writeAtomic(p, data)
}

// writeAtomic replaces p with data: temp file, fsync, rename, fsync of the
// directory. On failure p keeps its previous content.
func writeAtomic(p string, data []byte) error {
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
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("%w: %w", errDirSync, err)
	}
	return nil
}

// errDirSync marks a write that replaced its file but could not sync the
// directory: the new content is in place, its durability unknown.
var errDirSync = errors.New("replaced, but the directory was not synced")

// Remove deletes a file under the data dir, then the directories it leaves
// empty; a missing file is fine.
func (s *Store) Remove(rel string) error {
	if !s.Persistent() {
		return nil
	}
	p, err := s.path(rel)
	if err != nil {
		return err
	}
	s.mu.Lock() // a writer must not see its directory pruned under it
	defer s.mu.Unlock()
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("failed to remove %s: %w", p, err)
	}
	dir := filepath.Dir(p)
	for dir != s.dir && os.Remove(dir) == nil {
		dir = filepath.Dir(dir)
	}
	return syncDir(dir)
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
