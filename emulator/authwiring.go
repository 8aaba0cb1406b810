package emulator

import (
	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/authz"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// setupAuth builds the credential registry, the signature verifier and
// the gate the router calls; IAM must exist (its users' access keys,
// role and user policies), the tag sources are added by addTagSources
// once the services do.
func (s *Server) setupAuth() {
	s.credentials = auth.NewRegistry()
	s.credentials.AddSource(s.iam)
	s.verifier = &auth.Verifier{Registry: s.credentials, Strict: s.cfg.EnforceIAM}
	s.gate = &authz.Gate{
		Verifier: s.verifier,
		Policies: &authz.PoliciesFromIAM{IAM: s.iam},
		IAMARN:   s.iam.EntityARN,
		Soft:     s.cfg.IAMSoftMode,
		Log:      s.log,
	}
	s.gate.Observers.Subscribe(s.iam) // GetAccessKeyLastUsed
}

func (s *Server) addTagSources() {
	s.gate.Tags = map[string]authz.TagSource{"ec2": s.ec2, "iam": s.iam, "lambda": s.lambda, "apigateway": s.apigateway}
}

// Credentials is the registry of the credentials the emulator knows:
// test/test, IAM users' access keys, role sessions, function sandboxes.
// Register more in it.
func (s *Server) Credentials() *auth.Registry { return s.credentials }

// Verifier checks SigV4 signatures against Credentials.
func (s *Server) Verifier() *auth.Verifier { return s.verifier }

// ObserveCalls subscribes o to every AWS API call the emulator answers
// (calls made by function sandboxes carry auth.Sandbox in their
// principal); the returned function unsubscribes.
func (s *Server) ObserveCalls(o auth.Observer) (unsubscribe func()) {
	return s.gate.Observers.Subscribe(o)
}

// sandboxIssuer gives function sandboxes credentials of their execution
// role, valid until the sandbox exits.
type sandboxIssuer struct{ s *Server }

func (i sandboxIssuer) IssueSandboxCredentials(fn runtime.Function, sb *auth.Sandbox) (auth.Credential, error) {
	roleID, ok := i.s.iam.RoleID(fn.Role)
	if !ok {
		roleID = "AROA" + protocol.UpperAlnumID(17) // the role was deleted: its session has no policy
	}
	return i.s.credentials.IssueRoleSession(fn.Role, roleID, fn.Name, 0, sb)
}

func (i sandboxIssuer) Revoke(accessKeyID string) { i.s.credentials.Revoke(accessKeyID) }
