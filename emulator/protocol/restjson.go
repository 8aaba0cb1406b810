package protocol

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// MaxJSONBody bounds a REST-JSON request body: Lambda accepts 50 MB zip
// uploads inline (base64), a little more than that.
const MaxJSONBody = 70 << 20

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
// (SerializationException or BadRequestException, per service).
func DecodeJSON(r *http.Request, limit int64, code string, v any) *Error {
	if r.Body == nil {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return BadRequest(code, "could not read request body: %v", err)
	}
	if int64(len(body)) > limit {
		return Errorf(http.StatusRequestEntityTooLarge, "RequestTooLargeException", "request body exceeds %d bytes", limit)
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
