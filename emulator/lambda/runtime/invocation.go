package runtime

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/trace"
)

// invocation is one request travelling through a sandbox.
type invocation struct {
	id      string
	fn      Function
	payload []byte
	tail    *tail
	// wantTail makes the caller wait for the END/REPORT lines.
	wantTail bool
	// span is the invocation in a stage-URL request's trace (nil: none).
	span *trace.Invocation

	started chan struct{} // closed when delivered at /next
	done    chan struct{} // closed when out is set
	once    sync.Once
	out     outcome

	// Set by deliver before started is closed.
	deadline     time.Time
	startedAt    time.Time
	initDuration time.Duration

	doneAt time.Time // set by finish
}

// outcome is what ended an invocation.
type outcome struct {
	payload   []byte
	errorType string // "" on success
	fatal     bool   // the process must not be reused
	logLines  string // runtime messages logged before END
}

func newInvocation(id string, fn Function, payload []byte) *invocation {
	return &invocation{
		id: id, fn: fn, payload: payload, tail: &tail{},
		started: make(chan struct{}), done: make(chan struct{}),
	}
}

// finish sets the outcome once; later outcomes (a response racing a
// timeout) are ignored.
func (inv *invocation) finish(o outcome) bool {
	first := false
	inv.once.Do(func() {
		inv.out, inv.doneAt, first = o, time.Now(), true
		close(inv.done)
	})
	return first
}

// errorPayload is the AWS function-error document.
func errorPayload(errorType, message string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{message, errorType})
	return b
}

// runtimeFailure is an error Lambda itself reports for a request, e.g.
// "RequestId: x Error: Runtime exited with error: exit status 2".
func runtimeFailure(id, errorType, msg string, fatal bool) outcome {
	full := fmt.Sprintf("RequestId: %s Error: %s", id, msg)
	return outcome{
		payload:   errorPayload(errorType, full),
		errorType: errorType,
		fatal:     fatal,
		logLines:  full + "\n" + errorType + "\n",
	}
}

func timeoutOutcome(inv *invocation) outcome {
	msg := fmt.Sprintf("Task timed out after %.2f seconds", inv.fn.Timeout.Seconds())
	return outcome{
		payload:   errorPayload("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: %s", inv.id, msg)),
		errorType: "Sandbox.Timedout",
		fatal:     true,
		logLines:  timestamped(inv.id, msg),
	}
}

// postedError turns a body posted to /error or /init/error into the
// function-error payload: the runtime's own JSON when it is an object,
// else a document built from the header type and the raw body.
func postedError(body []byte, headerType string) outcome {
	var doc struct {
		ErrorType *string `json:"errorType"`
	}
	if json.Unmarshal(body, &doc) == nil && json.Valid(body) && len(body) > 0 && body[0] == '{' {
		t := headerType
		if doc.ErrorType != nil && *doc.ErrorType != "" {
			t = *doc.ErrorType
		}
		if t == "" {
			t = "Unhandled"
		}
		return outcome{payload: body, errorType: t}
	}
	if headerType == "" {
		headerType = "Unhandled"
	}
	return outcome{payload: errorPayload(headerType, string(body)), errorType: headerType}
}
