package lambda

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// specZip builds a zip from lines "kind name [body]", kind being d (dir),
// f (file), x (executable) or l (symlink, body its target): a form the
// fuzzer can recombine, unlike raw zip bytes.
func specZip(t *testing.T, spec string) []byte {
	var entries []entry
	for _, line := range strings.Split(spec, "\n") {
		kind, rest, _ := strings.Cut(line, " ")
		name, body, _ := strings.Cut(rest, " ")
		if name == "" {
			continue
		}
		if strings.HasSuffix(name, "/") {
			kind, body = "d", "" // all a zip writer accepts under such a name
		}
		switch kind {
		case "d":
			entries = append(entries, entry{name, fs.ModeDir | 0o755, ""})
		case "f":
			entries = append(entries, entry{name, 0o644, body})
		case "x":
			entries = append(entries, entry{name, 0o755, body})
		case "l":
			entries = append(entries, entry{name, fs.ModeSymlink | 0o777, body})
		}
	}
	return zipOf(t, entries...)
}

// FuzzExtract: whatever the archive, nothing is created or changed outside
// the code directory, and a refusal is the archive's fault, not ours.
func FuzzExtract(f *testing.F) {
	for _, seed := range []string{
		// The chain: each link looks local from its name, but is created
		// through the previous one, a level higher each time.
		"d d/\nl d/l1 ..\nl d/l1/l2 ..\nl d/l1/l2/l3 ..\nl d/l1/l2/l3/l4 ..\nf d/l1/l2/l3/l4/sentinel overwritten",
		"l a .\nl up a/..\nf up/sentinel overwritten",
		"l a .\nl a/b ..\nd a/b/c/\nf a/b/c/new x",
		"l up ..\nf up/sentinel x",
		"l abs /tmp\nf abs/new x",
		"x bootstrap #!/bin/sh\nd lib/\nf lib/data.txt data\nl current lib/data.txt",
		"d bin/\nx bin/probe binary\nl bootstrap bin/probe\nl etc bin\nf etc/greeting.txt hi",
		"f a x\nf a/b y",
		"l loop1 loop2\nl loop2 loop1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		base := t.TempDir()
		sentinel := filepath.Join(base, "sentinel")
		if err := os.WriteFile(sentinel, []byte("untouched"), 0o644); err != nil {
			t.Fatal(err)
		}
		// Room above the code directory for chains to climb into.
		code := filepath.Join(base, "p1", "p2", "p3", "code")
		unpackErr := unpack(specZip(t, spec), code)
		var zerr zipReadError
		if unpackErr != nil && !errors.As(unpackErr, &zerr) {
			t.Fatalf("unpack failed with our own error: %v", unpackErr)
		}
		if got, rerr := os.ReadFile(sentinel); rerr != nil || string(got) != "untouched" {
			t.Fatalf("sentinel outside the code directory changed: %q, %v", got, rerr)
		}
		expected := map[string]bool{".": true, "sentinel": true, "p1": true, "p1/p2": true, "p1/p2/p3": true}
		walkErr := filepath.WalkDir(base, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(base, p)
			rel = filepath.ToSlash(rel)
			inCode := rel == "p1/p2/p3/code" || strings.HasPrefix(rel, "p1/p2/p3/code/")
			switch {
			case expected[rel]:
			case inCode && unpackErr == nil:
			case inCode:
				t.Errorf("%s is left behind by a refused package (%v)", rel, unpackErr)
			default:
				t.Errorf("%s was created outside the code directory", rel)
			}
			return nil
		})
		if walkErr != nil {
			t.Fatal(walkErr)
		}
	})
}
