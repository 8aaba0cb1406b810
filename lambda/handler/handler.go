package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// DefaultCallTimeout bounds each backend call; it stays below the
// function's 15 s timeout so the caller gets a JSON answer, not a Lambda
// timeout.
const DefaultCallTimeout = 10 * time.Second

// Config is what the handler needs.
type Config struct {
	InstanceID string // the machine the routes drive by default
	TagKey     string // ?instanceId= may only name machines carrying TagKey=TagValue
	TagValue   string
	Target     Target
	// IDPattern validates ids given in ?instanceId= (default: EC2 ids).
	IDPattern *regexp.Regexp
	// CallTimeout bounds each Target call (default DefaultCallTimeout).
	CallTimeout time.Duration
	// Err is a configuration problem found while building the handler;
	// every request then answers 500 with it, since it is ours to fix.
	Err error
}

// Handler answers API Gateway proxy requests.
type Handler struct {
	cfg Config
}

// New builds a handler.
func New(cfg Config) *Handler {
	if cfg.IDPattern == nil {
		cfg.IDPattern = EC2InstanceID
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Err == nil && cfg.Target == nil {
		cfg.Err = errors.New("no target configured")
	}
	if cfg.Err == nil && cfg.InstanceID == "" {
		cfg.Err = errors.New("INSTANCE_ID is not set: set the function's INSTANCE_ID environment variable to the instance id (`go tool mage deploy` does this)")
	}
	return &Handler{cfg: cfg}
}

var routes = map[string]bool{"/start": true, "/stop": true, "/status": true}

// Handle routes one request. It never returns an error: every failure is
// a JSON answer with the right status code.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	route := routeOf(req)
	if !routes[route] {
		return errorResponse(http.StatusNotFound, fmt.Sprintf("no route %s; use /start, /stop or /status", req.Path)), nil
	}
	if req.HTTPMethod != http.MethodGet && req.HTTPMethod != http.MethodPost {
		resp := errorResponse(http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s; use GET or POST", req.HTTPMethod, route))
		resp.Headers["Allow"] = "GET, POST"
		return resp, nil
	}
	if h.cfg.Err != nil {
		return errorResponse(http.StatusInternalServerError, "function misconfigured: "+h.cfg.Err.Error()), nil
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()

	id, known, err := h.selectInstance(ctx, req)
	if err != nil {
		return failure(err), nil
	}
	switch route {
	case "/status":
		if known.ID == "" {
			if known, err = h.cfg.Target.Status(ctx, id); err != nil {
				return failure(err), nil
			}
		}
		return jsonResponse(http.StatusOK, StatusReply{InstanceID: id, State: known.State}), nil
	case "/start", "/stop":
		op := h.cfg.Target.Start
		if route == "/stop" {
			op = h.cfg.Target.Stop
		}
		tr, err := op(ctx, id)
		if err != nil {
			return failure(err), nil
		}
		return jsonResponse(http.StatusOK, TransitionReply{InstanceID: id, PreviousState: tr.Previous, CurrentState: tr.Current}), nil
	}
	return errorResponse(http.StatusNotFound, "no route "+route), nil
}

// selectInstance picks the configured instance or the one named by
// ?instanceId=, which must carry the project's tag. When it had to look the
// instance up, it returns what it found so /status does not ask twice.
func (h *Handler) selectInstance(ctx context.Context, req events.APIGatewayProxyRequest) (string, Instance, error) {
	id, given := req.QueryStringParameters["instanceId"]
	if !given || id == h.cfg.InstanceID {
		return h.cfg.InstanceID, Instance{}, nil
	}
	if !h.cfg.IDPattern.MatchString(id) {
		return "", Instance{}, &Error{Kind: KindInvalid, Message: fmt.Sprintf("malformed instanceId %q", id)}
	}
	if h.cfg.TagKey == "" {
		return "", Instance{}, errForbidden("choosing an instance with ?instanceId= is disabled: TAG_KEY is not configured")
	}
	inst, err := h.cfg.Target.Status(ctx, id)
	if err != nil {
		return "", Instance{}, err
	}
	if v, ok := inst.Tags[h.cfg.TagKey]; !ok || v != h.cfg.TagValue {
		return "", Instance{}, errForbidden(fmt.Sprintf("instance %s does not carry the tag %s=%s", id, h.cfg.TagKey, h.cfg.TagValue))
	}
	return id, inst, nil
}

// forbidden is the one failure only routing produces.
type forbidden struct{ msg string }

func (f *forbidden) Error() string { return f.msg }

func errForbidden(msg string) error { return &forbidden{msg: msg} }

// routeOf is the route without a trailing slash or the stage prefix some
// gateways leave in the path.
func routeOf(req events.APIGatewayProxyRequest) string {
	p := req.Path
	if p == "" {
		p = req.Resource
	}
	if st := req.RequestContext.Stage; st != "" && strings.HasPrefix(p, "/"+st+"/") {
		p = strings.TrimPrefix(p, "/"+st)
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	return p
}

func failure(err error) events.APIGatewayProxyResponse {
	var f *forbidden
	if errors.As(err, &f) {
		return errorResponse(http.StatusForbidden, f.msg)
	}
	var te *Error
	if !errors.As(err, &te) {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	switch te.Kind {
	case KindInvalid:
		return errorResponse(http.StatusBadRequest, te.Message)
	case KindNotFound:
		return errorResponse(http.StatusNotFound, te.Message)
	case KindConflict:
		return errorResponse(http.StatusConflict, te.Message)
	case KindUnavailable:
		resp := errorResponse(http.StatusServiceUnavailable, te.Message)
		resp.Headers["Retry-After"] = "5"
		return resp
	}
	return errorResponse(http.StatusInternalServerError, te.Error())
}

func errorResponse(code int, msg string) events.APIGatewayProxyResponse {
	return jsonResponse(code, map[string]string{"error": msg})
}

// StatusReply is the /status answer.
type StatusReply struct {
	InstanceID string `json:"instanceId"`
	State      string `json:"state"`
}

// TransitionReply is the /start and /stop answer, fields in reading order.
type TransitionReply struct {
	InstanceID    string `json:"instanceId"`
	PreviousState string `json:"previousState"`
	CurrentState  string `json:"currentState"`
}

func jsonResponse(code int, body any) events.APIGatewayProxyResponse {
	b, err := json.Marshal(body)
	if err != nil { // only strings are marshalled; cannot happen
		code, b = http.StatusInternalServerError, []byte(`{"error":"failed to encode the answer"}`)
	}
	return events.APIGatewayProxyResponse{
		StatusCode: code,
		// no-store: a browser re-opening /status must ask again.
		Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:    string(b) + "\n",
	}
}
