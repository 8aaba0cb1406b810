package runtime

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"
)

// tailSize is how much of an invocation's log Result.LogTail keeps, as the
// Invoke API's X-Amz-Log-Type: Tail does.
const tailSize = 4 << 10

// marker is written by the manager into the process's own stdout pipe. Pipe
// writes up to PIPE_BUF are atomic and FIFO, so everything the function
// printed before it called the Runtime API lands before the marker: START and
// END lines are therefore ordered exactly around the invocation's output.
var marker = []byte("\x00\x00lambda-emulator-mark\x00\n")

// logAction runs in the reader goroutine when its marker is read.
type logAction func(l *logSink)

// logSink copies one process's output to the function log and to the tail
// of the invocation in progress.
type logSink struct {
	writeMu sync.Mutex // serializes writes and actions
	file    *os.File   // function log, opened O_APPEND (nil: discard)
	tail    *tail      // current invocation's tail, nil between invocations

	mu     sync.Mutex // orders marker writes with their queued actions
	w      *os.File   // pipe write end: the child's stdout/stderr and our markers
	closed bool

	qmu     sync.Mutex // guards actions (never held while writing the pipe)
	actions []logAction

	done chan struct{} // reader finished (EOF or closed)
	r    *os.File
}

func openLog(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("failed to create log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("failed to open function log: %w", err)
	}
	return f, nil
}

// newLogSink returns a sink whose w is the process's stdout and stderr. The
// parent keeps w open for its markers until closeWriter.
// Output before the first invocation (init) goes to initTail.
func newLogSink(logPath string, initTail *tail) (*logSink, error) {
	file, err := openLog(logPath)
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		if file != nil {
			file.Close()
		}
		return nil, fmt.Errorf("failed to create output pipe: %w", err)
	}
	l := &logSink{file: file, tail: initTail, w: w, r: r, done: make(chan struct{})}
	go l.read()
	return l, nil
}

// mark queues action to run once all output written so far has been copied
// (at once if the pipe is already closed).
func (l *logSink) mark(action logAction) {
	l.mu.Lock()
	if !l.closed {
		l.qmu.Lock()
		l.actions = append(l.actions, action)
		l.qmu.Unlock()
		_, err := l.w.Write(marker) // may block while the reader drains; qmu is free
		if err == nil {
			l.mu.Unlock()
			return
		}
		l.qmu.Lock()
		l.actions = l.actions[:len(l.actions)-1] // ours is last: mu blocks other marks
		l.qmu.Unlock()
	}
	l.mu.Unlock()
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	action(l)
}

// closeWriter drops our write end: the reader ends when the process tree
// that shares the pipe is gone too.
func (l *logSink) closeWriter() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		l.w.Close()
	}
}

// finish stops the reader, even if an escaped grandchild still holds the
// pipe after wait, and closes the function log.
func (l *logSink) finish(wait time.Duration) {
	l.closeWriter()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-l.done:
	case <-t.C:
		l.r.Close()
		<-l.done
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.file != nil {
		l.file.Close()
		l.file = nil
	}
}

func (l *logSink) read() {
	defer close(l.done)
	defer l.r.Close()
	buf := make([]byte, 0, 64<<10)
	chunk := make([]byte, 32<<10)
	for {
		n, err := l.r.Read(chunk)
		l.writeMu.Lock()
		buf = append(buf, chunk[:n]...)
		buf = l.consume(buf)
		if err != nil && len(buf) > 0 {
			l.write(append(buf, '\n'))
		}
		l.writeMu.Unlock()
		if err != nil {
			l.runPending()
			return
		}
	}
}

// consume writes complete lines of buf and runs the actions of the markers
// it finds; it returns the unconsumed rest.
func (l *logSink) consume(buf []byte) []byte {
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		line := buf[:i+1]
		if j := bytes.Index(line, marker); j >= 0 {
			if j > 0 {
				l.write(append(line[:j:j], '\n')) // function output without a final newline
			}
			l.runNext()
		} else {
			l.write(line)
		}
		buf = buf[i+1:]
	}
	// A huge line without newline: flush all but what may be a marker's start.
	if keep := len(marker); len(buf) > 256<<10 {
		l.write(buf[:len(buf)-keep])
		buf = append(buf[:0], buf[len(buf)-keep:]...)
	}
	return buf
}

// runNext runs the action of the marker just read; writeMu is held.
func (l *logSink) runNext() {
	l.qmu.Lock()
	var action logAction
	if len(l.actions) > 0 {
		action, l.actions = l.actions[0], l.actions[1:]
	}
	l.qmu.Unlock()
	if action != nil {
		action(l)
	}
}

// runPending runs actions whose markers never arrived (reader closed).
func (l *logSink) runPending() {
	l.closeWriter() // later marks run at once
	l.qmu.Lock()
	actions := l.actions
	l.actions = nil
	l.qmu.Unlock()
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	for _, a := range actions {
		a(l)
	}
}

// write appends p to the function log and the current tail; writeMu is held.
func (l *logSink) write(p []byte) {
	if l.file != nil {
		_, _ = l.file.Write(p)
	}
	if l.tail != nil {
		l.tail.Write(p)
	}
}

// tail keeps the last tailSize bytes written to it.
type tail struct{ buf []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		cut := len(t.buf) - tailSize
		for cut < len(t.buf) && !utf8.RuneStart(t.buf[cut]) {
			cut++
		}
		t.buf = append(t.buf[:0], t.buf[cut:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.buf) }

var _ io.Writer = (*tail)(nil)

// report is the REPORT line of one invocation.
type report struct {
	requestID string
	duration  time.Duration
	init      time.Duration // cold start only
	memoryMB  int
	maxMemMB  int
}

func (r report) String() string {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	billed := int64((r.duration + r.init + time.Millisecond - 1) / time.Millisecond)
	s := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		r.requestID, ms(r.duration), billed, r.memoryMB, r.maxMemMB)
	if r.init > 0 {
		s += fmt.Sprintf("\tInit Duration: %.2f ms", ms(r.init))
	}
	return s + "\t\n"
}

func startLine(id, version string) string {
	return fmt.Sprintf("START RequestId: %s Version: %s\n", id, version)
}

func endLine(id string) string { return fmt.Sprintf("END RequestId: %s\n", id) }

// timestamped is a runtime message line as Lambda writes them.
func timestamped(id, msg string) string {
	return fmt.Sprintf("%s %s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), id, msg)
}
