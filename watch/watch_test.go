package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// quiet is generous: a loaded machine may pause between the steps of one
// simulated save, which must still be one change.
const quiet = 300 * time.Millisecond

// watcher runs Run on a temp tree; every change is sent on changes, and
// fn then waits for release when gated.
type watcher struct {
	root    string
	changes chan Change
	release chan struct{}
	stop    context.CancelFunc
	result  chan error
}

func start(t *testing.T, gated bool, fnErr error) *watcher {
	t.Helper()
	w := &watcher{root: t.TempDir(), changes: make(chan Change, 16), release: make(chan struct{}), result: make(chan error, 1)}
	write(t, filepath.Join(w.root, "main.go"), "package main")
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	go func() {
		w.result <- Run(ctx, Options{Root: w.root, Quiet: quiet, Initial: true,
			Skip: func(name string) bool { return filepath.Ext(name) == ".md" }},
			func(ctx context.Context, ch Change) error {
				w.changes <- ch
				if len(ch.Files) == 0 {
					return nil // the initial call
				}
				if gated {
					select {
					case <-w.release:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				return fnErr
			})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.result:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	if ch := w.next(t); len(ch.Files) != 0 { // the initial call: watching
		t.Fatalf("initial call with %q, want no files", ch.Files)
	}
	return w
}

func (w *watcher) next(t *testing.T) Change {
	t.Helper()
	select {
	case ch := <-w.changes:
		return ch
	case err := <-w.result:
		t.Fatalf("Run returned: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no change delivered within 30s")
	}
	return Change{}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSaveBurstIsOneChange: vim's save (write test file, backup by
// rename, swap file, new file, chmod, backup removed) is one change that
// names the saved file only; editor scratch files alone, and files Skip
// names, change nothing.
func TestSaveBurstIsOneChange(t *testing.T) {
	w := start(t, false, nil)
	main := filepath.Join(w.root, "main.go")
	saved := time.Now()
	write(t, filepath.Join(w.root, "4913"), "")
	must(t, os.Remove(filepath.Join(w.root, "4913")))
	write(t, filepath.Join(w.root, ".main.go.swp"), "swap")
	must(t, os.Rename(main, main+"~"))
	write(t, main, "package main // saved")
	must(t, os.Chmod(main, 0o600))
	must(t, os.Remove(main+"~"))
	write(t, filepath.Join(w.root, "#main.go#"), "emacs")
	write(t, filepath.Join(w.root, "main.go___jb_tmp___"), "goland")
	write(t, filepath.Join(w.root, "NOTES.md"), "skipped by the caller")
	write(t, filepath.Join(w.root, "sedAbC123"), "sed -i's copy, made and gone in the burst")
	must(t, os.Rename(filepath.Join(w.root, "sedAbC123"), filepath.Join(w.root, "other.go")))
	must(t, os.Remove(filepath.Join(w.root, "other.go")))

	ch := w.next(t)
	delivered := time.Now()
	if !slices.Equal(ch.Files, []string{"main.go"}) {
		t.Fatalf("change = %q, want [main.go] only", ch.Files)
	}
	// At is the save, and the change comes once the tree was quiet.
	if ch.At.Before(saved) || delivered.Sub(ch.At) < quiet {
		t.Errorf("change At %v: want after the save began (%v) and at least %v before delivery (%v)", ch.At, saved, quiet, delivered)
	}
	// A scratch file alone is no change; the next real save comes alone.
	write(t, filepath.Join(w.root, ".main.go.swx"), "swap")
	write(t, filepath.Join(w.root, "util.go"), "package main")
	if ch := w.next(t); !slices.Equal(ch.Files, []string{"util.go"}) {
		t.Fatalf("second change = %q, want [util.go] (the swap file ignored)", ch.Files)
	}
}

// TestNewDirectoriesAreWatched: a directory made after the start is
// watched, with what was put in it before the watch reached it, and so
// is a nested one; hidden directories and testdata are not.
func TestNewDirectoriesAreWatched(t *testing.T) {
	w := start(t, false, nil)
	write(t, filepath.Join(w.root, "pkg", "sub", "a.go"), "package sub")
	write(t, filepath.Join(w.root, ".git", "index"), "x")
	write(t, filepath.Join(w.root, "testdata", "in.json"), "{}")
	ch := w.next(t)
	if !slices.Contains(ch.Files, "pkg/sub/a.go") || slices.ContainsFunc(ch.Files, func(f string) bool { return f == ".git/index" || f == "testdata/in.json" }) {
		t.Fatalf("change = %q, want pkg/sub/a.go and neither .git nor testdata", ch.Files)
	}
	write(t, filepath.Join(w.root, "pkg", "sub", "deeper", "b.go"), "package deeper")
	if ch := w.next(t); !slices.Contains(ch.Files, "pkg/sub/deeper/b.go") {
		t.Fatalf("change = %q, want pkg/sub/deeper/b.go", ch.Files)
	}
	write(t, filepath.Join(w.root, "pkg", "sub", "a.go"), "package sub // edited")
	if ch := w.next(t); !slices.Equal(ch.Files, []string{"pkg/sub/a.go"}) {
		t.Fatalf("change = %q, want [pkg/sub/a.go]", ch.Files)
	}
	must(t, os.Remove(filepath.Join(w.root, "pkg", "sub", "deeper", "b.go")))
	if ch := w.next(t); !slices.Equal(ch.Files, []string{"pkg/sub/deeper/b.go"}) {
		t.Fatalf("removal = %q, want [pkg/sub/deeper/b.go]", ch.Files)
	}
}

// TestChangesDuringACallComeNext: saves made while fn runs are not lost
// and not delivered concurrently: they make the next call, together.
func TestChangesDuringACallComeNext(t *testing.T) {
	w := start(t, true, nil)
	write(t, filepath.Join(w.root, "a.go"), "package main")
	if ch := w.next(t); !slices.Equal(ch.Files, []string{"a.go"}) {
		t.Fatalf("first change = %q", ch.Files)
	}
	write(t, filepath.Join(w.root, "b.go"), "package main")
	write(t, filepath.Join(w.root, "c.go"), "package main")
	time.Sleep(2 * quiet) // the quiet period passes while fn still runs
	select {
	case ch := <-w.changes:
		t.Fatalf("change %q delivered while the previous call ran", ch.Files)
	default:
	}
	w.release <- struct{}{}
	if ch := w.next(t); !slices.Equal(ch.Files, []string{"b.go", "c.go"}) {
		t.Fatalf("next change = %q, want [b.go c.go]", ch.Files)
	}
	w.release <- struct{}{}
}

// TestStop: Ctrl-C (ctx cancelled) while idle returns nil; while fn runs,
// Run waits for it and returns its error; fn's own error ends Run.
func TestStop(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		w := start(t, false, nil)
		w.stop()
		if err := <-w.result; err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		w.result <- nil // for the cleanup
	})
	t.Run("during a call", func(t *testing.T) {
		w := start(t, true, nil)
		write(t, filepath.Join(w.root, "a.go"), "package main")
		w.next(t)
		w.stop()
		if err := <-w.result; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want fn's context.Canceled", err)
		}
		w.result <- nil
	})
	t.Run("fn fails", func(t *testing.T) {
		boom := errors.New("boom")
		w := start(t, false, boom)
		write(t, filepath.Join(w.root, "a.go"), "package main")
		w.next(t)
		select {
		case err := <-w.result:
			if !errors.Is(err, boom) {
				t.Fatalf("Run = %v, want boom", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Run went on after fn failed")
		}
		w.result <- nil
	})
	t.Run("initial call fails", func(t *testing.T) {
		boom := errors.New("boom")
		err := Run(context.Background(), Options{Root: t.TempDir(), Initial: true}, func(context.Context, Change) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Run = %v, want boom", err)
		}
	})
	t.Run("no root", func(t *testing.T) {
		err := Run(context.Background(), Options{Root: filepath.Join(t.TempDir(), "missing")}, func(context.Context, Change) error { return nil })
		if err == nil {
			t.Fatal("Run on a missing directory succeeded")
		}
	})
}

func TestIgnored(t *testing.T) {
	for name, want := range map[string]bool{
		"handler.go": false, "go.mod": false, "v2.go": false, "README": false,
		".handler.go.swp": true, "handler.go.swp": true, "handler.go~": true, "4913": true, "5036": true,
		"#handler.go#": true, ".#handler.go": true, "handler.go___jb_tmp___": true, "handler.go___jb_old___": true,
		".goutputstream-ABC123": true, "x.tmp": true, "handler.go.orig": true, "_scratch.go": true, ".DS_Store": true,
	} {
		if got := Ignored(name); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", name, got, want)
		}
	}
}
