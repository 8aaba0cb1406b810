package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestLogSinkOrdersMarkersAfterOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fn.log")
	tl := &tail{}
	l, err := newLogSink(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("h", 300<<10) // longer than the reader's line limit
	write := func(s string) {
		if _, err := l.w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	write("before\n")
	l.mark(func(l *logSink) { l.tail = tl; l.write([]byte("START\n")) })
	write("partial")
	l.mark(func(l *logSink) { l.write([]byte("MID\n")) })
	write(huge)
	l.mark(func(l *logSink) { l.write([]byte("END\n")); l.tail = nil })
	write("after\n")
	l.finish(5 * time.Second)

	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "before\nSTART\npartial\nMID\n" + huge + "\nEND\nafter\n"
	if string(got) != want {
		t.Errorf("log = %.80q…, want %.80q…", got, want)
	}
	if tail := tl.String(); len(tail) != tailSize || !strings.HasSuffix(tail, "h\nEND\n") {
		t.Errorf("tail has %d bytes ending %q", len(tail), tail[max(0, len(tail)-10):])
	}
	// Marks after the pipe closed still run, at once.
	ran := false
	l.mark(func(*logSink) { ran = true })
	if !ran {
		t.Error("mark after finish did not run")
	}
}

func TestTailCutsOnRuneBoundary(t *testing.T) {
	tl := &tail{}
	_, _ = tl.Write([]byte(strings.Repeat("é", tailSize))) // 2 bytes each
	if s := tl.String(); !utf8.ValidString(s) || len(s) > tailSize {
		t.Errorf("tail of %d bytes, valid UTF-8 %v", len(s), utf8.ValidString(s))
	}
}

func TestReportLine(t *testing.T) {
	r := report{requestID: "id", duration: 1234567 * time.Nanosecond, init: 5 * time.Millisecond, memoryMB: 128, maxMemMB: 12}
	want := "REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 7 ms\tMemory Size: 128 MB\tMax Memory Used: 12 MB\tInit Duration: 5.00 ms\t\n"
	if got := r.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	r.init = 0
	if got := r.String(); !strings.HasSuffix(got, "Billed Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 12 MB\t\n") {
		t.Errorf("warm report %q", got)
	}
}

func TestPostedError(t *testing.T) {
	o := postedError([]byte(`{"errorMessage":"m","errorType":"T"}`), "H")
	if o.errorType != "T" || string(o.payload) != `{"errorMessage":"m","errorType":"T"}` {
		t.Errorf("json body: %+v", o)
	}
	o = postedError([]byte("plain text"), "Runtime.Custom")
	if o.errorType != "Runtime.Custom" || string(o.payload) != `{"errorMessage":"plain text","errorType":"Runtime.Custom"}` {
		t.Errorf("text body: %s %s", o.errorType, o.payload)
	}
	if o = postedError(nil, ""); o.errorType != "Unhandled" {
		t.Errorf("empty body: %+v", o)
	}
}
