package emulator

import (
	"context"
	"net/http"

	"github.com/apidriven/api-driven/emulator/console"
	"github.com/apidriven/api-driven/emulator/ec2"
	"github.com/apidriven/api-driven/emulator/trace"
)

// consolePrefix is where the console and the trace endpoints live.
const consolePrefix = console.Prefix

// newConsole serves the console over the services' read-only views, and
// lets traces confirm EC2 transitions as they complete.
func (s *Server) newConsole() http.Handler {
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
func invocationOf(context.Context) string { return "" }
