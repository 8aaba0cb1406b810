package emulator

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/console"
	"github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/trace"
)

// consolePrefix is where the console and the trace endpoints live.
const consolePrefix = console.Prefix

// newConsole serves the console over the services' read-only views, and
// lets traces confirm EC2 transitions as they complete.
func (s *Server) newConsole() http.Handler {
	if s.traces != nil {
		s.ObserveCalls(auth.ObserverFunc(s.traceCall))
	}
	s.traces.SetStates(func(id string) (string, bool) {
		st, ok := s.ec2.InstanceState(id)
		return string(st), ok
	})
	return console.New(console.Options{
		Traces: s.traces, Instances: s.ec2, Functions: s.lambda, APIs: s.apigateway, Roles: s.iam, Version: Version,
	})
}

// Traces is the trace recorder (nil when tracing is off).
func (s *Server) Traces() *trace.Recorder { return s.traces }

// traceStateChange hands EC2's state changes to the traces: to the trace
// of the invocation that made the call, when a function sandbox did.
func (s *Server) traceStateChange(ctx context.Context, c ec2.StateChange) {
	tc := trace.StateChange{InstanceID: c.InstanceID, From: string(c.From), To: string(c.To), At: c.At, Action: c.Action}
	if settled := c.Settles(); settled != c.To {
		tc.SettlesTo, tc.SettlesAt = string(settled), c.Until
	}
	s.traces.StateChanged(invocationOf(ctx), tc)
}

// invocationOf is the Lambda request id of the invocation whose sandbox
// made the call ctx belongs to, "" for any other caller.
func invocationOf(ctx context.Context) string {
	if p, ok := auth.PrincipalFrom(ctx); ok && p.Sandbox != nil {
		return p.Sandbox.Invocation()
	}
	return ""
}

// traceCall adds an AWS call a function sandbox made to the trace of the
// invocation it was running (its credentials say which sandbox).
func (s *Server) traceCall(c auth.Call) {
	if c.Invocation == "" {
		return
	}
	action := c.Action
	if _, a, found := strings.Cut(action, ":"); found {
		action = a // ec2:StopInstances
	}
	s.traces.Call(c.Invocation, trace.Call{Service: c.Service, Action: action, Summary: resourceSummary(c.Resources),
		Status: c.Status, ErrorCode: c.ErrorCode, Start: c.Start, Duration: c.Duration})
}

// maxSummarized is how many resources a call's summary names.
const maxSummarized = 3

// resourceSummary names the resources a call acted on by their ids
// (arn:aws:ec2:…:instance/i-0abc → i-0abc), "" for "*".
func resourceSummary(arns []string) string {
	var ids []string
	for _, arn := range arns {
		if arn == "*" || arn == "" {
			continue
		}
		id := arn[strings.LastIndexAny(arn, "/:")+1:]
		if len(ids) == maxSummarized {
			ids = append(ids, fmt.Sprintf("+%d more", len(arns)-maxSummarized))
			break
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, ", ")
}
