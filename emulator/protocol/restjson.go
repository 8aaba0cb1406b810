package protocol

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// WriteRESTJSONError renders e as the REST-JSON services do: the code in the
// X-Amzn-ErrorType header and in the body's __type, with the message under
// both "message" (API Gateway) and "Message" (Lambda) spellings so that every
// SDK finds it.
func WriteRESTJSONError(w http.ResponseWriter, e *Error) {
	noteError(w, e)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("x-amzn-RequestId", RequestID())
	typ := "User"
	if e.Status >= 500 {
		typ = "Service"
	}
	WriteJSON(w, e.Status, map[string]string{"__type": e.Code, "message": e.Message, "Message": e.Message, "Type": typ})
}

// DecodeJSON reads a JSON request body of at most limit bytes into v. An
// empty body leaves v untouched. A malformed one is a 400 with the given code
// (SerializationException or BadRequestException, per service); one over the
// limit a 413, refused from its Content-Length before it is read when the
// client sends one.
func DecodeJSON(r *http.Request, limit int64, code string, v any) *Error {
	if r.Body == nil {
		return nil
	}
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	body, err := readBody(r, limit)
	if err != nil {
		return BadRequest(code, "could not read request body: %v", err)
	}
	if int64(len(body)) > limit {
		return tooLarge(limit)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return BadRequest(code, "field %q has the wrong type: expected %s", typeErr.Field, typeErr.Type)
		}
		return BadRequest(code, "request body is not valid JSON: %v", err)
	}
	return nil
}

// readBody reads at most limit+1 bytes, in one allocation of the announced
// size when the client gave a Content-Length (a large upload is not
// copied while a buffer grows).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= limit {
		body := make([]byte, n)
		_, err := io.ReadFull(r.Body, body)
		return body, err
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

func tooLarge(limit int64) *Error {
	return Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "request body exceeds %d bytes", limit)
}
