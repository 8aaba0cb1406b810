package lambda

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// snapshotName is the store snapshot holding every function and policy.
const snapshotName = "lambda"

type snapshot struct {
	Functions []*function `json:"functions"`
}

// load reads the snapshot and checks the stored code of $LATEST and of
// every published version against its digest (each digest read once);
// code is unpacked lazily by ensureCode.
func (s *Service) load() error {
	var snap snapshot
	if _, err := s.opts.Store.Load(snapshotName, &snap); err != nil {
		return err // says which file; the server says which service
	}
	s.install(snap)
	for _, f := range s.functions {
		unusable := map[string]error{}
		for _, hexSum := range f.codeDigests() {
			var bad unusableCodeError
			if _, err := s.readCode(f.Region, f.Name, hexSum); errors.As(err, &bad) {
				unusable[hexSum] = err
			}
		}
		for _, r := range f.records() {
			r.Failure = nil
			if err := unusable[r.CodeHex]; err != nil {
				r.Failure = codeFailure(err, r.Version)
			}
		}
	}
	return nil
}

// install replaces the functions with those of snap; callers hold s.mu
// (or own s, in New).
func (s *Service) install(snap snapshot) {
	s.functions = make(map[string]*function, len(snap.Functions))
	for _, f := range snap.Functions {
		if f == nil || f.Name == "" || f.Region == "" {
			continue
		}
		s.functions[key(f.Region, f.Name)] = f
	}
}

// failures are the Failed marks of every record, by function and version.
func (s *Service) failures() map[string]*failure {
	out := map[string]*failure{}
	for k, f := range s.functions {
		for _, r := range f.records() {
			if r.Failure != nil {
				out[k+"\x00"+r.Version] = r.Failure
			}
		}
	}
	return out
}

// restoreFailures marks again the records that failures names.
func (s *Service) restoreFailures(failures map[string]*failure) {
	for k, f := range s.functions {
		for _, r := range f.records() {
			if fl, ok := failures[k+"\x00"+r.Version]; ok {
				r.Failure = fl
			}
		}
	}
}

// save writes the snapshot; callers hold s.mu. When it cannot be written
// the functions go back to the snapshot last saved, so the change is not
// applied, and the caller gets Lambda's 500.
func (s *Service) save() *protocol.Error {
	snap := snapshot{Functions: make([]*function, 0, len(s.functions))}
	for _, f := range s.functions {
		snap.Functions = append(snap.Functions, f)
	}
	sort.Slice(snap.Functions, func(i, j int) bool {
		return key(snap.Functions[i].Region, snap.Functions[i].Name) < key(snap.Functions[j].Region, snap.Functions[j].Name)
	})
	err := s.opts.Store.Save(snapshotName, snap)
	if err == nil {
		return nil
	}
	var last snapshot
	if rerr := s.opts.Store.Revert(snapshotName, &last); rerr != nil {
		err = errors.Join(err, rerr)
	}
	failures := s.failures() // found since start-up, not in any snapshot
	s.install(last)
	s.restoreFailures(failures)
	return serviceError(fmt.Errorf("The change was not applied: the emulator could not save Lambda state (%w)", err))
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
	return filepath.Join(s.codeRoot, "functions", region, name)
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
	if errors.Is(err, fs.ErrNotExist) {
		return nil, unusableCodeError{fmt.Errorf("failed to read code of function %s: %w", name, err)}
	}
	if err != nil { // the disk, not the code: nothing to mark Failed
		return nil, fmt.Errorf("failed to read code of function %s: %w", name, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hexSum {
		return nil, unusableCodeError{fmt.Errorf("the stored zip of function %s does not match its CodeSha256", name)}
	}
	return data, nil
}

// unusableCodeError is stored code that is missing or does not match its
// digest: the function is Failed until new code is uploaded. Other read
// errors (a full file table, a disk error) are passing and fail one call.
type unusableCodeError struct{ err error }

func (e unusableCodeError) Error() string { return e.err.Error() }
func (e unusableCodeError) Unwrap() error { return e.err }

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
	_ = os.Remove(s.functionDir(region, name)) // only when now empty
}

// discardUpload removes the code of an upload that was not applied, unless
// $LATEST or a published version uses the same bytes; callers hold s.mu and
// the upload's claim, so no other upload of this name writes meanwhile.
func (s *Service) discardUpload(region, name, hexSum string) {
	if f, ok := s.functions[key(region, name)]; ok && f.usesCode(hexSum) {
		return
	}
	s.dropCode(region, name, hexSum)
}

// dropFunction removes every code version of a deleted function.
func (s *Service) dropFunction(region, name, hexSum string) {
	s.dropCode(region, name, hexSum)
	_ = os.RemoveAll(s.functionDir(region, name))
}
