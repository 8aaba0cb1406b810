package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/apidriven/api-driven/emulator/protocol"
)

const (
	// maxZipBytes is AWS's limit on a zip uploaded inline.
	maxZipBytes = 50 << 20
	// maxUnzippedBytes is AWS's limit on the unpacked code.
	maxUnzippedBytes = 262144000
	// maxZipEntries guards against archives made of millions of tiny files.
	maxZipEntries = 50000
)

var errUnzip = invalidParam("Could not unzip uploaded file. Please check your file, then try to upload again.")

// bundle is an uploaded deployment package, checked but not yet unpacked.
type bundle struct {
	zip    []byte
	sha256 string // base64, as AWS reports it
	hex    string
}

// inspectZip checks an uploaded package the way AWS does at upload time: a
// readable zip within the size limits whose entries stay inside the code
// directory. A missing bootstrap is accepted; Invoke reports it.
func inspectZip(data []byte) (*bundle, *protocol.Error) {
	if len(data) == 0 {
		return nil, errUnzip
	}
	if len(data) > maxZipBytes {
		return nil, protocol.Errorf(413, "RequestEntityTooLargeException", "Zipped size must be smaller than %d bytes", maxZipBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errUnzip
	}
	if len(zr.File) > maxZipEntries {
		return nil, invalidParam("The uploaded zip has %d entries; at most %d are accepted.", len(zr.File), maxZipEntries)
	}
	var total uint64
	for _, f := range zr.File {
		if _, ok := entryPath(f.Name); !ok {
			return nil, errUnzip
		}
		total += f.UncompressedSize64
		if total > maxUnzippedBytes {
			return nil, invalidParam("Unzipped size must be smaller than %d bytes", maxUnzippedBytes)
		}
	}
	sum := sha256.Sum256(data)
	return &bundle{zip: data, sha256: base64.StdEncoding.EncodeToString(sum[:]), hex: hex.EncodeToString(sum[:])}, nil
}

// entryPath is a zip entry's local relative path; ok is false for absolute
// paths and paths that climb out of the code directory (zip slip).
func entryPath(name string) (string, bool) {
	if name == "" || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) {
		return "", false
	}
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	if clean == "." {
		return "", true // the root directory entry itself
	}
	if !filepath.IsLocal(clean) {
		return "", false
	}
	return clean, true
}

// zipReadError marks failures reading the archive (the caller's fault), as
// opposed to failures writing to disk (ours).
type zipReadError struct{ err error }

func (e zipReadError) Error() string { return "failed to read zip: " + e.err.Error() }
func (e zipReadError) Unwrap() error { return e.err }

// entryError classifies a failure to create an entry: the archive's fault
// when its entries contradict each other (a file where a directory must go,
// a name taken twice) or lead outside the code directory, ours when the
// disk refuses.
func entryError(name string, err error) error {
	for _, ours := range []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.EACCES, syscall.EPERM, syscall.EMFILE, syscall.ENFILE, syscall.EIO} {
		if errors.Is(err, ours) {
			return fmt.Errorf("failed to unpack %q: %w", name, err)
		}
	}
	if strings.Contains(err.Error(), "path escapes from parent") { // os.Root's refusal, not exported
		return zipReadError{fmt.Errorf("entry %q leads outside the code directory through a symlink", name)}
	}
	return zipReadError{fmt.Errorf("entry %q: %w", name, err)}
}

// unpack extracts data into dir, keeping exec bits. It extracts into a
// sibling temp dir and renames, so dir is either complete or absent; an
// existing dir is left alone (the name is content-addressed).
func unpack(data []byte, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, ".unpack-*")
	if err != nil {
		return fmt.Errorf("failed to create unpack dir: %w", err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	// MkdirTemp makes it private; functions may run as another user, who
	// must read the code (Lambda requires global read permissions too).
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("failed to open unpack dir to functions: %w", err)
	}
	if err := extract(data, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			return nil // a concurrent unpack of the same content won
		}
		return fmt.Errorf("failed to move code into %s: %w", dir, err)
	}
	return nil
}

// extract writes the archive into dir through an os.Root, so that no entry
// can be created outside dir whatever links earlier entries made: a link is
// followed only while it stays inside. Links that stay inside are kept, as
// AWS keeps them; a package that leaves one leading outside is refused.
func extract(data []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return zipReadError{err}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", dir, err)
	}
	defer root.Close()
	var budget int64 = maxUnzippedBytes
	var links []string
	for _, f := range zr.File {
		rel, ok := entryPath(f.Name)
		if !ok {
			return zipReadError{fmt.Errorf("entry %q escapes the code directory", f.Name)}
		}
		if rel == "" {
			continue
		}
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := root.MkdirAll(rel, 0o755); err != nil {
				return entryError(f.Name, err)
			}
		case mode&fs.ModeSymlink != 0:
			if err := extractSymlink(root, f, rel); err != nil {
				return err
			}
			links = append(links, rel)
		case mode.IsRegular():
			n, err := extractFile(root, f, rel, budget)
			if err != nil {
				return err
			}
			budget -= n
		default:
			return zipReadError{fmt.Errorf("entry %q is not a file, directory or symlink", f.Name)}
		}
	}
	return checkLinks(root, links)
}

func extractFile(root *os.Root, f *zip.File, rel string, budget int64) (int64, error) {
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return 0, entryError(f.Name, err)
	}
	rc, err := f.Open()
	if err != nil {
		return 0, zipReadError{err}
	}
	defer rc.Close()
	// Keep the archive's exec bits; everything stays readable by the owner.
	perm := f.Mode().Perm()&0o755 | 0o600
	out, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return 0, entryError(f.Name, err)
	}
	n, copyErr := io.Copy(out, io.LimitReader(rc, budget+1))
	closeErr := out.Close()
	switch {
	case copyErr != nil:
		var pathErr *fs.PathError
		if errors.As(copyErr, &pathErr) {
			return 0, fmt.Errorf("failed to write %s: %w", rel, copyErr)
		}
		return 0, zipReadError{copyErr}
	case n > budget:
		return 0, zipReadError{fmt.Errorf("unzipped size exceeds %d bytes", maxUnzippedBytes)}
	case closeErr != nil:
		return 0, fmt.Errorf("failed to write %s: %w", rel, closeErr)
	}
	return n, nil
}

// extractSymlink refuses targets that leave the code directory as written;
// targets that leave it through other links are caught by checkLinks.
func extractSymlink(root *os.Root, f *zip.File, rel string) error {
	rc, err := f.Open()
	if err != nil {
		return zipReadError{err}
	}
	defer rc.Close()
	dest, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return zipReadError{err}
	}
	link := string(dest)
	if link == "" || path.IsAbs(link) || strings.ContainsRune(link, 0) || !isLocalJoin(rel, link) {
		return zipReadError{fmt.Errorf("symlink %q points outside the code directory", f.Name)}
	}
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return entryError(f.Name, err)
	}
	if err := root.Symlink(link, rel); err != nil {
		return entryError(f.Name, err)
	}
	return nil
}

// checkLinks refuses a package once unpacked if one of its links leads
// outside the code directory (a link may dangle, or loop, inside it).
func checkLinks(root *os.Root, links []string) error {
	for _, rel := range links {
		_, err := root.Stat(rel)
		if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP) {
			continue
		}
		return entryError(rel, err)
	}
	return nil
}

func isLocalJoin(rel, link string) bool {
	j := path.Clean(path.Join(path.Dir(rel), link))
	return j != ".." && !strings.HasPrefix(j, "../") && !path.IsAbs(j)
}

// hasBootstrap reports whether dir holds an executable bootstrap, which is
// what a custom runtime starts.
func hasBootstrap(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "bootstrap"))
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}
