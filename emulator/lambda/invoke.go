package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/protocol"
)

const (
	// maxSyncPayload and maxAsyncPayload are AWS's invocation payload limits.
	maxSyncPayload  = 6 << 20
	maxAsyncPayload = 1 << 20
	// asyncGrace is added to a function's timeout as the deadline of an
	// Event invocation, so that a stuck runtime cannot hold Close forever.
	asyncGrace = 30 * time.Second
)

func (s *Service) invoke(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	invType := r.Header.Get("X-Amz-Invocation-Type")
	if invType == "" {
		invType = "RequestResponse"
	}
	if invType != "RequestResponse" && invType != "Event" && invType != "DryRun" {
		return validationError(constraint(invType, "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"))
	}
	logType := r.Header.Get("X-Amz-Log-Type")
	if logType != "" && logType != "None" && logType != "Tail" {
		return validationError(constraint(logType, "logType", "Member must satisfy enum value set: [None, Tail]"))
	}
	limit := int64(maxSyncPayload)
	if invType == "Event" {
		limit = maxAsyncPayload
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return protocol.BadRequest("InvalidRequestContentException", "Could not read request body: %v", err)
	}
	if int64(len(payload)) > limit {
		return protocol.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			"Request must be smaller than %d bytes for the InvokeFunction operation", limit)
	}
	if err := checkPayload(payload); err != nil {
		return err
	}
	fn, err := s.prepare(region, rf)
	if err != nil {
		return err
	}
	switch invType {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return nil
	case "Event":
		if err := s.invokeAsync(fn, payload); err != nil {
			return err
		}
		w.Header().Set("X-Amzn-RequestId", protocol.RequestID())
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	res, err := s.execute(r.Context(), fn, payload, runtime.InvokeOptions{Tail: true})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amz-Executed-Version", fn.Version)
	if res.RequestID != "" {
		h.Set("X-Amzn-RequestId", res.RequestID)
	}
	if res.FunctionError != "" {
		h.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if logType == "Tail" {
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(res.LogTail)))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Payload)
	return nil
}

// checkPayload requires JSON, as Lambda does for every invocation payload.
func checkPayload(payload []byte) error {
	if len(payload) > 0 && !json.Valid(payload) {
		var v any
		err := json.Unmarshal(payload, &v)
		return protocol.BadRequest("InvalidRequestContentException",
			"Could not parse request body into json: Could not parse payload into json: %v", err)
	}
	return nil
}

// InvokeFunction invokes a function by name or ARN synchronously, for API
// Gateway integrations. The payload must be JSON: API Gateway checks it
// (its own events are by construction; mapping templates' output is
// checked there). functionError is "" on success. Errors are
// *protocol.Error values with Lambda's codes.
func (s *Service) InvokeFunction(ctx context.Context, region, ref string, payload []byte) (out []byte, functionError string, err error) {
	rf, perr := parseRef(ref)
	if perr != nil {
		return nil, "", perr
	}
	if len(payload) > maxSyncPayload {
		return nil, "", protocol.Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			"Request must be smaller than %d bytes for the InvokeFunction operation", maxSyncPayload)
	}
	fn, err := s.prepare(region, rf)
	if err != nil {
		return nil, "", err
	}
	// API Gateway needs no log tail: END/REPORT are written after the answer.
	res, err := s.execute(ctx, fn, payload, runtime.InvokeOptions{})
	if err != nil {
		return nil, "", err
	}
	return res.Payload, res.FunctionError, nil
}

// prepare resolves the function, version or alias (choosing between an
// alias's versions by weight) and snapshots what the runtime needs of the
// version to run, refusing one that is still being created.
func (s *Service) prepare(region string, rf ref) (runtime.Function, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolve(region, rf)
	if err != nil {
		return runtime.Function{}, err
	}
	f := t.pick()
	if st := f.status(s.now(), s.delays()); st.State != "Active" {
		return runtime.Function{}, errNotActive(st)
	}
	fn := runtime.Function{
		Name:     f.Name,
		Version:  f.versionName(),
		ARN:      f.arn(),
		Runtime:  f.Runtime,
		Handler:  f.Handler,
		CodeDir:  s.codeDir(f.Region, f.Name, f.CodeHex),
		CodeSHA:  f.CodeSHA256,
		Revision: f.Generation,
		Env:      maps.Clone(f.Env),
		Region:   f.Region,
		Role:     f.Role,
		Timeout:  time.Duration(f.Timeout) * time.Second,
		MemoryMB: f.MemorySize,
		LogPath:  s.logPath(f.Region, f.Name),
	}
	fn.InvokedARN = t.arn
	return fn, nil
}

// errNotActive is AWS's answer to an invocation of a function that is not
// Active; a Failed one says why.
func errNotActive(st status) *protocol.Error {
	msg := "The operation cannot be performed at this time. The function is currently in the following state: " + st.State
	if st.StateReason != "" {
		msg += ". " + st.StateReasonCode + ": " + st.StateReason
	}
	return protocol.Conflict("ResourceConflictException", "%s", msg)
}

// markFailed records that a code version turned out unusable when it was
// needed: $LATEST and every version running it fail fast from then on, and
// GetFunction says why. It is not saved: start-up finds the same again.
func (s *Service) markFailed(fn runtime.Function, hexSum string, cause error) *protocol.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.functions[key(fn.Region, fn.Name)]
	if !ok {
		return serviceError(cause) // deleted meanwhile
	}
	var failed *function // the record invoked, when it runs this code
	for _, r := range f.records() {
		if r.CodeHex != hexSum {
			continue
		}
		if r.Failure == nil {
			r.Failure = codeFailure(cause, r.Version)
		}
		if failed == nil || r.versionName() == fn.Version {
			failed = r
		}
	}
	if failed == nil {
		return serviceError(cause) // the code changed meanwhile
	}
	return errNotActive(failed.status(s.now(), s.delays()))
}

// execute runs one invocation: it hands it to the runtime manager, which
// runs it on a warm process or, for a cold start, first has the code made
// ready (prepareCode).
func (s *Service) execute(ctx context.Context, fn runtime.Function, payload []byte, opts runtime.InvokeOptions) (*runtime.Result, error) {
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if s.opts.Runtime == nil {
		if res, err := s.prepareCode(fn, protocol.RequestID()); res != nil || err != nil {
			return res, err
		}
		return nil, serviceError(errNoRuntime)
	}
	opts.BeforeStart = func(requestID string) (*runtime.Result, error) { return s.prepareCode(fn, requestID) }
	res, err := s.opts.Runtime.InvokeWith(ctx, fn, payload, opts)
	if err != nil {
		var perr *protocol.Error
		if errors.As(err, &perr) {
			return nil, perr
		}
		if ctx.Err() != nil {
			return nil, protocol.Errorf(http.StatusRequestTimeout, "RequestCanceled", "the invocation was canceled: %v", ctx.Err())
		}
		if errors.Is(err, runtime.ErrClosed) {
			return nil, protocol.Errorf(http.StatusServiceUnavailable, "ServiceException", "the emulator is shutting down; retry once it is back up")
		}
		return nil, serviceError(fmt.Errorf("failed to invoke function %s: %w", fn.Name, err))
	}
	return res, nil
}

// prepareCode makes fn's code ready before a process starts: it unpacks it
// again if needed and reports a missing bootstrap the way AWS does (a
// function error, not an API error).
func (s *Service) prepareCode(fn runtime.Function, requestID string) (*runtime.Result, error) {
	hexSum := filepath.Base(fn.CodeDir)
	if _, err := s.ensureCode(fn.Region, fn.Name, hexSum); err != nil {
		var unusable unusableCodeError
		if errors.As(err, &unusable) {
			return nil, s.markFailed(fn, hexSum, err)
		}
		return nil, serviceError(err)
	}
	if err := os.MkdirAll(filepath.Dir(fn.LogPath), 0o755); err != nil {
		return nil, serviceError(fmt.Errorf("failed to create log dir: %w", err))
	}
	if !hasBootstrap(fn.CodeDir) {
		return invalidEntrypoint(fn, requestID), nil
	}
	return nil, nil
}

// invalidEntrypoint is what AWS answers when the package has no executable
// bootstrap: the upload was accepted, the invocation fails.
func invalidEntrypoint(fn runtime.Function, id string) *runtime.Result {
	msg := fmt.Sprintf("RequestId: %s Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]", id)
	tail := fmt.Sprintf("INIT_REPORT Init Duration: 0.00 ms Phase: init Status: error Error Type: Runtime.InvalidEntrypoint\n%s\n", msg)
	if f, err := os.OpenFile(fn.LogPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
		_, _ = f.WriteString(tail)
		_ = f.Close()
	}
	body, _ := json.Marshal(map[string]string{"errorType": "Runtime.InvalidEntrypoint", "errorMessage": msg})
	return &runtime.Result{Payload: body, FunctionError: "Unhandled", RequestID: id, ErrorType: "Runtime.InvalidEntrypoint", LogTail: tail}
}

// invokeAsync queues an Event invocation; at most MaxAsyncInvocations run
// at once, beyond that the caller is throttled as AWS would.
func (s *Service) invokeAsync(fn runtime.Function, payload []byte) error {
	select {
	case s.asyncSlots <- struct{}{}:
	default:
		return protocol.Errorf(http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.asyncSlots
		return protocol.Errorf(http.StatusServiceUnavailable, "ServiceException", "the emulator is shutting down")
	}
	s.bg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bg.Done()
		defer func() { <-s.asyncSlots }()
		ctx, cancel := context.WithTimeout(s.bgCtx, fn.Timeout+asyncGrace)
		defer cancel()
		// The outcome of an Event invocation is only visible in the log.
		_, _ = s.execute(ctx, fn, payload, runtime.InvokeOptions{Tail: true})
	}()
	return nil
}
