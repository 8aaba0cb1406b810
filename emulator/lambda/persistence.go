package lambda

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// snapshotName is the store snapshot holding every function and policy.
const snapshotName = "lambda"

type snapshot struct {
	Functions []*function `json:"functions"`
}

// load reads the snapshot; code is unpacked lazily by ensureCode.
func (s *Service) load() error {
	var snap snapshot
	if _, err := s.opts.Store.Load(snapshotName, &snap); err != nil {
		return fmt.Errorf("failed to load lambda functions: %w", err)
	}
	for _, f := range snap.Functions {
		if f == nil || f.Name == "" || f.Region == "" {
			continue
		}
		s.functions[key(f.Region, f.Name)] = f
	}
	return nil
}

// save writes the snapshot; callers hold s.mu.
func (s *Service) save() error {
	snap := snapshot{Functions: make([]*function, 0, len(s.functions))}
	for _, f := range s.functions {
		snap.Functions = append(snap.Functions, f)
	}
	sort.Slice(snap.Functions, func(i, j int) bool {
		return key(snap.Functions[i].Region, snap.Functions[i].Name) < key(snap.Functions[j].Region, snap.Functions[j].Name)
	})
	if err := s.opts.Store.Save(snapshotName, snap); err != nil {
		return fmt.Errorf("failed to save lambda functions: %w", err)
	}
	return nil
}

// Code lives content-addressed, so that a crash between writing new code and
// saving the snapshot never leaves the snapshot pointing at other bytes:
//
//	store:   lambda/code/<region>/<name>/<sha256hex>.zip  (persistent mode)
//	workdir: functions/<region>/<name>/<sha256hex>.zip    (in-memory mode)
//	workdir: functions/<region>/<name>/<sha256hex>/       (unpacked)
func blobPath(region, name, hexSum string) string {
	return fmt.Sprintf("lambda/code/%s/%s/%s.zip", region, name, hexSum)
}

func (s *Service) functionDir(region, name string) string {
	return filepath.Join(s.workDir, "functions", region, name)
}

func (s *Service) codeDir(region, name, hexSum string) string {
	return filepath.Join(s.functionDir(region, name), hexSum)
}

func (s *Service) logPath(region, name string) string {
	return filepath.Join(s.workDir, "logs", region, name+".log")
}

// storeCode keeps the zip (durably when persistent) and unpacks it.
func (s *Service) storeCode(region, name string, b *bundle) error {
	if s.opts.Store.Persistent() {
		if err := s.opts.Store.WriteFile(blobPath(region, name, b.hex), b.zip); err != nil {
			return fmt.Errorf("failed to store function code: %w", err)
		}
	} else {
		dir := s.functionDir(region, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("failed to create %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, b.hex+".zip"), b.zip, 0o644); err != nil {
			return fmt.Errorf("failed to keep function code: %w", err)
		}
	}
	return unpack(b.zip, s.codeDir(region, name, b.hex))
}

// readCode returns the stored zip of a code version.
func (s *Service) readCode(region, name, hexSum string) ([]byte, error) {
	var data []byte
	var err error
	if s.opts.Store.Persistent() {
		data, err = s.opts.Store.ReadFile(blobPath(region, name, hexSum))
	} else {
		data, err = os.ReadFile(filepath.Join(s.functionDir(region, name), hexSum+".zip"))
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read code of function %s: %w", name, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hexSum {
		return nil, fmt.Errorf("stored code of function %s does not match its digest %s", name, hexSum)
	}
	return data, nil
}

// ensureCode unpacks a code version again when its directory is gone (after
// a restart, or a cleaned work dir) and returns the directory.
func (s *Service) ensureCode(region, name, hexSum string) (string, error) {
	dir := s.codeDir(region, name, hexSum)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	data, err := s.readCode(region, name, hexSum)
	if err != nil {
		return "", err
	}
	if err := unpack(data, dir); err != nil {
		return "", fmt.Errorf("failed to unpack code of function %s: %w", name, err)
	}
	return dir, nil
}

// dropCode removes a superseded code version; a running process of it was
// evicted before. Errors only leave garbage behind, so they are ignored.
func (s *Service) dropCode(region, name, hexSum string) {
	_ = s.opts.Store.Remove(blobPath(region, name, hexSum))
	_ = os.Remove(filepath.Join(s.functionDir(region, name), hexSum+".zip"))
	_ = os.RemoveAll(s.codeDir(region, name, hexSum))
}

// dropFunction removes every code version of a deleted function.
func (s *Service) dropFunction(region, name, hexSum string) {
	s.dropCode(region, name, hexSum)
	_ = os.RemoveAll(s.functionDir(region, name))
}
