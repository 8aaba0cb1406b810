// Package watch calls a function each time files under a directory tree
// change. It is fsnotify made fit for an edit-save loop: recursive (new
// subdirectories are watched as they appear), an editor's save burst
// (write, rename, chmod, backup removed) delivered as one change, editor
// temporary files ignored, and changes that arrive while the function
// runs kept for its next call.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/apidriven/api-driven/internal/status"
)

// DefaultQuiet is how long the tree must stay quiet after an event before
// the change is delivered: an editor's save burst takes a few
// milliseconds.
const DefaultQuiet = 100 * time.Millisecond

// Change is one burst of edits.
type Change struct {
	// Files are the changed paths relative to the root, slash-separated
	// and sorted; "." when events were lost (the kernel's queue overflowed)
	// and anything may have changed.
	Files []string
	// At is when the burst's first event arrived: the save.
	At time.Time
}

// Options say what to watch.
type Options struct {
	Root  string        // the directory watched, with every subdirectory
	Quiet time.Duration // default DefaultQuiet
	// Skip ignores more files (by base name) than the editor temporary
	// files Ignored already does.
	Skip func(name string) bool
	// Initial: call fn once first, with no files, as soon as the tree is
	// watched (to catch up with edits made before; saves made meanwhile
	// come next).
	Initial bool
}

// Run watches o.Root and calls fn with each change, one call at a time,
// until ctx is done or fn fails. Changes made while fn runs are delivered
// in its next call. It returns fn's error, or nil once ctx is done (after
// waiting for a running fn, which gets ctx, to return).
func Run(ctx context.Context, o Options, fn func(context.Context, Change) error) error {
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return limitFix(fmt.Errorf("failed to start watching files: %w", err))
	}
	defer fw.Close()
	l := &loop{o: o, fw: fw, pending: map[string]*file{}}
	if _, err := l.addTree(o.Root); err != nil {
		return err
	}
	if o.Initial {
		if err := fn(ctx, Change{At: time.Now()}); err != nil {
			return err
		}
	}
	return l.run(ctx, fn)
}

type loop struct {
	o       Options
	fw      *fsnotify.Watcher
	pending map[string]*file // changed paths, relative to the root
	since   time.Time        // first pending event
}

// file is what a burst did to one path.
type file struct {
	created bool // its first event created it
	gone    bool // its last event removed or renamed it
}

func (l *loop) run(ctx context.Context, fn func(context.Context, Change) error) error {
	// A watcher error ends the loop: cancel lets it stop the running
	// change first instead of waiting for its build and update to finish.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	var (
		running bool
		due     bool // the quiet period passed while fn ran
		done    = make(chan error, 1)
	)
	deliver := func() {
		ch := Change{At: l.since}
		for name, f := range l.pending {
			if !f.created || !f.gone { // else a scratch file: made and gone in one burst (sed -i's)
				ch.Files = append(ch.Files, name)
			}
		}
		clear(l.pending)
		due = false
		if len(ch.Files) == 0 {
			return
		}
		slices.Sort(ch.Files)
		running = true
		go func() { done <- fn(ctx, ch) }()
	}
	for {
		select {
		case <-ctx.Done():
			if running {
				return <-done
			}
			return nil
		case err := <-done:
			running = false
			if err != nil {
				return err
			}
			if due && len(l.pending) > 0 {
				deliver()
			}
		case <-quiet.C:
			if running {
				due = true
			} else if len(l.pending) > 0 {
				deliver()
			}
		case ev, ok := <-l.fw.Events:
			if !ok {
				return nil
			}
			recorded, err := l.event(ev)
			if err != nil {
				if running {
					cancel()
					<-done
				}
				return err
			}
			if recorded {
				quiet.Reset(l.o.Quiet)
			}
		case err, ok := <-l.fw.Errors:
			if !ok {
				return nil
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				if running {
					cancel()
					<-done
				}
				return fmt.Errorf("failed to watch %s: %w", l.o.Root, err)
			}
			l.note(".", fsnotify.Write)
			quiet.Reset(l.o.Quiet)
		}
	}
}

// event records ev if it matters, watching a new directory's tree; it
// reports whether anything was recorded.
func (l *loop) event(ev fsnotify.Event) (bool, error) {
	name := filepath.Base(ev.Name)
	if ev.Op == fsnotify.Chmod || l.ignored(name) {
		return false, nil // attributes only (Linux also sends one before a Remove), or an editor's scratch file
	}
	if ev.Has(fsnotify.Create) {
		if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() {
			if skipDir(name) {
				return false, nil
			}
			// Files may have landed in it before it was watched.
			files, err := l.addTree(ev.Name)
			for _, f := range files {
				l.note(l.rel(f), fsnotify.Create)
			}
			return len(files) > 0, err
		}
	}
	l.note(l.rel(ev.Name), ev.Op)
	return true, nil
}

func (l *loop) note(rel string, op fsnotify.Op) {
	if len(l.pending) == 0 {
		l.since = time.Now()
	}
	f := l.pending[rel]
	if f == nil {
		f = &file{created: op.Has(fsnotify.Create)}
		l.pending[rel] = f
	}
	f.gone = op.Has(fsnotify.Remove) || op.Has(fsnotify.Rename)
}

func (l *loop) rel(path string) string {
	r, err := filepath.Rel(l.o.Root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

func (l *loop) ignored(name string) bool {
	return Ignored(name) || (l.o.Skip != nil && l.o.Skip(name))
}

// addTree watches dir and its subdirectories (those the go command reads:
// not testdata, not hidden, not _-prefixed) and returns the files already
// in them that are not ignored.
func (l *loop) addTree(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != l.o.Root && errors.Is(err, fs.ErrNotExist) {
				return nil // removed since it was seen
			}
			return err
		}
		if !d.IsDir() {
			if d.Type().IsRegular() && !l.ignored(d.Name()) {
				files = append(files, path)
			}
			return nil
		}
		if path != dir && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if err := l.fw.Add(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return limitFix(fmt.Errorf("failed to watch %s: %w", path, err))
		}
		return nil
	})
	if err != nil {
		return files, fmt.Errorf("failed to watch %s: %w", dir, err)
	}
	return files, nil
}

// skipDir: directories the go command ignores.
func skipDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// limitFix explains the inotify limits, which a Codespace's editor may
// have used up.
func limitFix(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) {
		return status.WithFix(err, "the system's limit of watched files is reached: raise it with `sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512`, or close other watchers")
	}
	return err
}

// Ignored reports whether a file name is an editor's temporary or backup
// file, or one the go command ignores: hidden and _-prefixed files (vim's
// .x.swp, emacs's .#x, gedit's .goutputstream-*, kate's .x.kate-swp),
// backups (x~, x.orig, x.bak), emacs's #x#, JetBrains' safe-write files
// (x___jb_tmp___, x___jb_old___), *.tmp and vim's write test (4913).
func Ignored(name string) bool {
	switch {
	case name == "" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"):
		return true
	case strings.HasSuffix(name, "~"), strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"):
		return true
	case strings.HasSuffix(name, "___jb_tmp___"), strings.HasSuffix(name, "___jb_old___"):
		return true
	}
	switch filepath.Ext(name) {
	case ".swp", ".swx", ".swo", ".tmp", ".orig", ".bak", ".rej":
		return true
	}
	return strings.Trim(name, "0123456789") == "" // vim checks it may write with 4913, 5036, ...
}
