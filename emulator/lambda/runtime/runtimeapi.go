package runtime

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

const (
	// maxResponseBytes is Lambda's synchronous response limit.
	maxResponseBytes = 6291556
	// maxErrorBytes bounds bodies posted to the error endpoints.
	maxErrorBytes = 1 << 20

	hdrRequestID   = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline    = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID     = "Lambda-Runtime-Trace-Id"
	hdrErrorType   = "Lambda-Runtime-Function-Error-Type"
	hdrErrorBody   = "Lambda-Runtime-Function-Error-Body" // trailer, base64 JSON
)

// routes is the Runtime API (2018-06-01) as documented by AWS.
func (sb *sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", sb.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", sb.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", sb.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", sb.handleInitError)
	return mux
}

// handleNext blocks until an invocation is assigned to this process.
func (sb *sandbox) handleNext(w http.ResponseWriter, r *http.Request) {
	var inv *invocation
	select {
	case inv = <-sb.next:
	case <-r.Context().Done():
		return
	case <-sb.exited:
		return
	}
	sb.deliver(inv)
	h := w.Header()
	h.Set(hdrRequestID, inv.id)
	h.Set(hdrDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(hdrFunctionARN, cmp.Or(inv.fn.InvokedARN, inv.fn.ARN))
	h.Set(hdrTraceID, traceID(inv.startedAt))
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

func (sb *sandbox) handleResponse(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !sb.isCurrent(id) {
		invalidRequestID(w, id)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxResponseBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		if inv := sb.take(id); inv != nil {
			inv.finish(outcome{
				payload:   errorPayload("Function.ResponseSizeTooLarge", fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponseBytes)),
				errorType: "Function.ResponseSizeTooLarge",
			})
		}
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxResponseBytes))
		return
	}
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequest", "failed to read the response body: "+err.Error())
		return
	}
	inv := sb.take(id)
	if inv == nil {
		invalidRequestID(w, id)
		return
	}
	// aws-lambda-go reports a failure while streaming the body in trailers.
	if t := r.Trailer.Get(hdrErrorType); t != "" {
		doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrErrorBody))
		inv.finish(postedError(doc, t))
	} else {
		inv.finish(outcome{payload: body})
	}
	writeAccepted(w)
}

func (sb *sandbox) handleError(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !sb.isCurrent(id) {
		invalidRequestID(w, id)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxErrorBytes))
	if err != nil {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "failed to read the error body: "+err.Error())
		return
	}
	inv := sb.take(id)
	if inv == nil {
		invalidRequestID(w, id)
		return
	}
	inv.finish(postedError(body, r.Header.Get(hdrErrorType)))
	writeAccepted(w)
}

// handleInitError fails the invocation waiting for this process; the
// process is then discarded.
func (sb *sandbox) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxErrorBytes))
	if err != nil {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "failed to read the error body: "+err.Error())
		return
	}
	o := postedError(body, r.Header.Get(hdrErrorType))
	o.fatal = true
	if !sb.claimInit() {
		writeAPIError(w, http.StatusForbidden, "InvalidStateTransition", "init/error is only accepted before the first invocation/next")
		return
	}
	writeAccepted(w)
	_ = http.NewResponseController(w).Flush() // best effort, before the kill
	sb.failInit(o)
}

func (sb *sandbox) isCurrent(id string) bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.current != nil && sb.current.id == id
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`+"\n")
}

func invalidRequestID(w http.ResponseWriter, id string) {
	writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", fmt.Sprintf("Invalid request ID: %q", id))
}

func writeAPIError(w http.ResponseWriter, status int, errorType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, errorType})
}
