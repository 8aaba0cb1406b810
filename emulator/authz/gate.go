// Package authz is where the emulator's router authenticates and
// authorizes AWS API calls: who signed (package auth), what IAM action and
// resources the call is (one file per service, AWS's service
// authorization reference in miniature), and whether the caller's
// identity policies allow it (package iampolicy). Denials are each
// service's own AWS error. Every answered call is reported to observers.
package authz

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/iampolicy"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// TagSource is what a service exposes for aws:ResourceTag conditions: the
// tags of the resource an ARN names.
type TagSource interface {
	ResourceTags(arn string) (map[string]string, bool)
}

// Gate authenticates and authorizes calls. Its zero value is not usable:
// Verifier and Policies are required.
type Gate struct {
	Verifier *auth.Verifier
	Policies PolicySource
	// Tags of each service's resources, by SigV4 service name.
	Tags map[string]TagSource
	// IAMARN resolves the name of an IAM role, user or instance profile
	// (kind "role", "user", "instance-profile"): IAM calls name them,
	// policies are written with ARNs.
	IAMARN func(kind, name string) (string, bool)
	// Soft logs denials instead of enforcing them (LocalStack's
	// IAM_SOFT_MODE).
	Soft      bool
	Log       *slog.Logger
	Observers auth.Observers
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Admit authenticates r and, when the caller's policies apply, authorizes
// it. When ok, the caller serves the returned request (it carries the
// principal, see auth.PrincipalFrom) on the returned writer, then calls
// done, which reports the call to observers. When not ok the AWS error is
// already written.
func (g *Gate) Admit(w http.ResponseWriter, r *http.Request, service string) (_ http.ResponseWriter, _ *http.Request, done func(), ok bool) {
	start := g.now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	call := Call{Service: service, Region: protocol.RegionOf(r)}
	finish := func() {
		if !g.Observers.Active() {
			return
		}
		if call.Action == "" {
			call.Action = restAction(r, service)
		}
		if rec.service != "" {
			call.Service = rec.service
		}
		if rec.action != "" {
			call.Action = call.Service + ":" + rec.action
		}
		c := auth.Call{
			Service: call.Service, Action: call.Action, Region: call.Region,
			Principal: call.principal, Resources: call.arns(),
			Status: rec.status, ErrorCode: rec.errorCode, Start: start, Duration: g.now().Sub(start),
		}
		if sb := call.principal.Sandbox; sb != nil {
			c.Invocation = sb.Invocation()
		}
		g.Observers.Notify(c)
	}

	p, err := g.Verifier.Authenticate(r)
	call.principal = p
	if err != nil {
		writeError(rec, service, authError(service, err))
		finish()
		return nil, nil, nil, false
	}
	// The principal for the service; the parsed Query parameters shared
	// by authorization and the service.
	r = r.WithContext(protocol.WithQueryMemo(auth.WithPrincipal(r.Context(), p)))
	if g.enforced(p) {
		if perr := g.authorize(r, p, &call); perr != nil {
			writeError(rec, service, perr)
			finish()
			return nil, nil, nil, false
		}
	}
	return rec, r, finish, true
}

// enforced reports whether p's policies are evaluated: always for a
// function sandbox's credentials, for every non-root caller in strict
// mode.
func (g *Gate) enforced(p auth.Principal) bool {
	if p.IsRoot() || !p.Verified {
		return false
	}
	return p.Sandbox != nil || g.Verifier.Strict
}

func (g *Gate) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Call is what authorization knows of a call: its IAM action and the
// resources it acts on (none: "*").
type Call struct {
	Service   string
	Action    string // service:Action
	Region    string
	Resources []Resource
	principal auth.Principal
}

// Resource is one ARN a call acts on, with its tags.
type Resource struct {
	ARN  string
	Tags map[string]string
}

func (c Call) arns() []string {
	if len(c.Resources) == 0 {
		return nil
	}
	out := make([]string, len(c.Resources))
	for i, r := range c.Resources {
		out[i] = r.ARN
	}
	return out
}

// authorize evaluates the call against p's identity policies; a denial is
// the service's AWS error.
func (g *Gate) authorize(r *http.Request, p auth.Principal, call *Call) *protocol.Error {
	if err := g.describe(r, p, call); err != nil {
		return err
	}
	return g.evaluate(r, p, call)
}

// evaluate decides a described call, resource by resource.
func (g *Gate) evaluate(r *http.Request, p auth.Principal, call *Call) *protocol.Error {
	if call.Action == "" || freeActions[call.Action] {
		return nil // the service answers an unknown action itself
	}
	policies, perr := g.Policies.PoliciesOf(p)
	resources := call.Resources
	if len(resources) == 0 {
		resources = []Resource{{ARN: "*"}}
	}
	// Condition keys are built when a policy reads them, or for a denial's
	// message.
	readsContext := false
	for _, pol := range policies {
		readsContext = readsContext || pol.HasConditions()
	}
	for _, res := range resources {
		var ctx map[string][]string
		if readsContext {
			ctx = g.conditions(r, p, call, res)
		}
		decision := iampolicy.Result{Decision: iampolicy.ExplicitDeny}
		if perr == nil {
			decision = iampolicy.Evaluate(policies, iampolicy.Request{Action: call.Action, Resource: res.ARN, Context: ctx})
		}
		if decision.Decision == iampolicy.Allowed {
			continue
		}
		if ctx == nil {
			ctx = g.conditions(r, p, call, res)
		}
		denial := deny(call.Service, p, call.Action, res.ARN, decision, perr, ctx)
		if g.Soft {
			g.log().Warn("iam: would deny (soft mode)", "principal", p.ARN, "action", call.Action, "resource", res.ARN, "reason", denial.Message)
			continue
		}
		g.log().Info("iam: denied", "principal", p.ARN, "action", call.Action, "resource", res.ARN, "decision", decision.Decision.String())
		return denial
	}
	return nil
}

// freeActions need no permission on AWS ("No permissions are required"
// in their documentation).
var freeActions = map[string]bool{"sts:GetCallerIdentity": true, "sts:GetSessionToken": true}

// conditions are the request's condition keys for one resource.
func (g *Gate) conditions(r *http.Request, p auth.Principal, call *Call, res Resource) map[string][]string {
	now := g.now().UTC()
	ctx := map[string][]string{
		"aws:RequestedRegion":  {call.Region},
		"aws:PrincipalArn":     {principalARN(p)},
		"aws:PrincipalAccount": {p.Account},
		"aws:PrincipalType":    {principalType(p)},
		"aws:userid":           {p.UserID},
		"aws:SecureTransport":  {"false"},
		"aws:CurrentTime":      {now.Format(time.RFC3339)},
		"aws:EpochTime":        {strconv.FormatInt(now.Unix(), 10)},
	}
	if ip := remoteIP(r); ip != "" {
		ctx["aws:SourceIp"] = []string{ip}
	}
	for k, v := range res.Tags {
		ctx["aws:ResourceTag/"+k] = []string{v}
		ctx[call.Service+":ResourceTag/"+k] = []string{v}
	}
	return ctx
}

func (g *Gate) log() *slog.Logger {
	if g.Log != nil {
		return g.Log
	}
	return slog.New(slog.DiscardHandler)
}
