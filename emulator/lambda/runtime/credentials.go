package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/apidriven/api-driven/emulator/auth"
)

// CredentialIssuer gives each sandbox temporary credentials for its
// function's execution role, as Lambda does, and revokes them when the
// sandbox exits. The emulator implements it over its auth.Registry, so
// that calls signed with them are attributed to the sandbox and checked
// against the role's policies.
type CredentialIssuer interface {
	IssueSandboxCredentials(fn Function, sandbox *auth.Sandbox) (auth.Credential, error)
	Revoke(accessKeyID string)
}

// fallbackCredentials are what a sandbox gets without an issuer or a
// role: LocalStack's test credentials.
var fallbackCredentials = auth.Credential{AccessKeyID: "test", SecretAccessKey: "test", SessionToken: "test"}

// newSandboxID names a sandbox (one process) for logs and traces.
func newSandboxID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "sb-" + hex.EncodeToString(b[:])
}

// sandboxCredentials issues the credentials of a new sandbox; revoke
// undoes it (a no-op for the fallback).
func (m *Manager) sandboxCredentials(fn Function, ident *auth.Sandbox) (creds auth.Credential, revoke func(), err error) {
	issuer := m.cfg.Credentials
	if issuer == nil || fn.Role == "" {
		return fallbackCredentials, func() {}, nil
	}
	creds, err = issuer.IssueSandboxCredentials(fn, ident)
	if err != nil {
		return auth.Credential{}, nil, fmt.Errorf("failed to issue credentials for the execution role %s: %w", fn.Role, err)
	}
	return creds, func() { issuer.Revoke(creds.AccessKeyID) }, nil
}
