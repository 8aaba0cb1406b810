// Package perimeter decides who may reach the emulator. The emulator runs
// native code on request, so its AWS APIs (the control plane) answer only
// local callers: a Host that is a local name (no DNS rebinding), no web page
// of another origin (no cross-site request forgery), a loopback listener
// unless remote access was asked for, and then a valid signature. Deployed
// APIs' stage URLs (the data plane) answer anyone, as API Gateway does, and
// may be served alone on a second, publishable port.
package perimeter

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Setting names, as flags and environment variables; LocalStack's names
// where it has the setting.
const (
	FlagExtraHosts        = "-extra-allowed-hosts"
	EnvExtraHosts         = "AWSEMU_EXTRA_ALLOWED_HOSTS"
	FlagExtraOrigins      = "-extra-cors-allowed-origins"
	EnvExtraOrigins       = "AWSEMU_EXTRA_CORS_ALLOWED_ORIGINS"
	FlagDisableCORSChecks = "-disable-cors-checks"
	EnvDisableCORSChecks  = "AWSEMU_DISABLE_CORS_CHECKS"
	FlagAllowRemote       = "-allow-remote"
	EnvAllowRemote        = "AWSEMU_ALLOW_REMOTE"
)

// Policy is what the control port accepts besides local, same-origin
// callers.
type Policy struct {
	// ExtraAllowedHosts are Host names accepted besides the local ones:
	// "name" exactly, "*.domain" for its subdomains, "*" for any.
	ExtraAllowedHosts []string
	// ExtraCORSAllowedOrigins are browser origins (scheme://host[:port])
	// accepted besides the emulator's own; "*" accepts any.
	ExtraCORSAllowedOrigins []string
	// DisableCORSChecks lets web pages of any origin call the control
	// plane (LocalStack's DISABLE_CORS_CHECKS). The Host check stays.
	DisableCORSChecks bool
	// DisableCustomCORSAPIGateway subjects stage URLs on the control port
	// to the same origin checks (LocalStack's DISABLE_CUSTOM_CORS_APIGATEWAY).
	DisableCustomCORSAPIGateway bool
	// Remote is set when the control port listens beyond loopback: any Host
	// is then accepted and every control-plane request must pass Verifier.
	Remote   bool
	Verifier Verifier
	// Codespace, when set, forwards the control port as
	// https://<name>-<port>.<domain>: that name is accepted as Host and as
	// Origin, so the console works through the Codespace's private port.
	Codespace Codespace
	// IsStageURL tells deployed-API invocations apart from the AWS APIs.
	IsStageURL func(*http.Request) bool
	Logger     *slog.Logger
}

// Control guards the control port: stage URLs pass (unless
// DisableCustomCORSAPIGateway), everything else must come from a local
// Host and, from a browser, from an allowed origin. port is the port the
// control listener got, for the emulator's own origins.
func Control(next http.Handler, p Policy, port string) http.Handler {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	var forwarded []string
	if p.Codespace.Name != "" && p.Codespace.Domain != "" {
		forwarded = append(forwarded, p.Codespace.Host(port))
	}
	g := &guard{next: next, p: p, hosts: newHostList(p.ExtraAllowedHosts, forwarded)}
	g.origins = newOriginList(port, p.ExtraCORSAllowedOrigins, forwarded)
	return g
}

type guard struct {
	next    http.Handler
	p       Policy
	hosts   hostList
	origins originList
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.p.IsStageURL != nil && g.p.IsStageURL(r) {
		if g.p.DisableCustomCORSAPIGateway && !g.crossSiteAllowed(w, r) {
			return
		}
		g.next.ServeHTTP(w, r)
		return
	}
	if !g.p.Remote && !g.hosts.allows(r.Host) {
		g.p.Logger.Warn("refused a request for a Host that is not local", "host", r.Host, "path", r.URL.Path)
		deny(w, r, http.StatusForbidden, "AccessDenied", fmt.Sprintf(
			"Host %q is not a local name: the emulator's AWS APIs answer only requests for localhost, 127.0.0.1, ::1, *.localhost and *.localhost.localstack.cloud (this blocks DNS rebinding). "+
				"To accept this name, start awsemu with %s %s (or set %s=%s). Deployed APIs' stage URLs answer any Host.",
			r.Host, FlagExtraHosts, hostOnly(r.Host), EnvExtraHosts, hostOnly(r.Host)))
		return
	}
	if !g.crossSiteAllowed(w, r) {
		return
	}
	if g.p.Remote && !isLocalStackRead(r) {
		if err := g.verify(r); err != nil {
			g.p.Logger.Warn("refused an unsigned or badly signed request", "remote", r.RemoteAddr, "path", r.URL.Path, "err", err)
			code := "AccessDenied"
			if c, ok := err.(interface{ AWSCode() string }); ok {
				code = c.AWSCode()
			}
			deny(w, r, http.StatusForbidden, code, "The emulator accepts remote access (-allow-remote), so every call to its AWS APIs must be signed (SigV4) with the credentials it was configured with: "+err.Error())
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// isLocalStackRead is a GET of /_localstack/health or /info: unsigned on
// LocalStack, read by tools that wait for it, and changing nothing.
func isLocalStackRead(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(strings.HasPrefix(r.URL.Path, "/_localstack/health") || strings.HasPrefix(r.URL.Path, "/_localstack/info"))
}

func (g *guard) verify(r *http.Request) error {
	if g.p.Verifier == nil {
		return errNoVerifier
	}
	return g.p.Verifier.Verify(r)
}

// crossSiteAllowed applies the origin rules; it answers the request itself
// (a refusal, or a CORS preflight) and returns false when it did.
func (g *guard) crossSiteAllowed(w http.ResponseWriter, r *http.Request) bool {
	if g.p.DisableCORSChecks {
		if origin := r.Header.Get("Origin"); origin != "" {
			return corsHeaders(w, r, "*")
		}
		return true
	}
	origin, from := requestOrigin(r)
	switch {
	case from == fromOrigin && !g.origins.allows(origin, r.Host):
	case from == fromOrigin:
		return corsHeaders(w, r, origin)
	case from == fromOtherSite && !safeRead(r):
	case from == fromReferer && !g.origins.allows(origin, r.Host) && !safeRead(r):
	default:
		return true
	}
	shown := origin
	if shown == "" {
		shown = "another site (Sec-Fetch-Site: " + r.Header.Get("Sec-Fetch-Site") + ")"
	}
	g.p.Logger.Warn("refused a cross-origin browser request", "origin", shown, "method", r.Method, "path", r.URL.Path)
	deny(w, r, http.StatusForbidden, "AccessDenied", fmt.Sprintf(
		"cross-origin request from %s refused: a web page of another origin may not call the emulator's AWS APIs (it could run code on this machine). "+
			"To allow an origin you trust, start awsemu with %s <origin> (or set %s=<origin>). Deployed APIs' stage URLs answer any origin.",
		quoteOrigin(shown), FlagExtraOrigins, EnvExtraOrigins))
	return false
}

func quoteOrigin(s string) string {
	if strings.Contains(s, "://") || s == "null" {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// deny answers in the shape the caller's protocol expects: EC2's XML,
// IAM/STS Query XML, or REST-JSON for everything else.
func deny(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	e := protocol.Errorf(status, code, "%s", msg)
	service := protocol.ScopeOf(r).Service
	ct := r.Header.Get("Content-Type")
	switch {
	case service == "ec2":
		protocol.WriteQueryError(w, protocol.DialectEC2, e, protocol.RequestID())
	case service == "iam" || service == "sts" ||
		(service == "" && (strings.HasPrefix(ct, "application/x-www-form-urlencoded") || r.URL.Query().Has("Action"))):
		protocol.WriteQueryError(w, protocol.DialectQuery, e, protocol.RequestID())
	default:
		protocol.WriteRESTJSONError(w, e)
	}
}

// hostOnly strips the port of a Host header.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}
