// Package auth identifies the caller of an emulated AWS API: it verifies
// SigV4 signatures (Authorization header and presigned query forms) against
// a registry of credentials, and tells who signed: the account root, an
// assumed role, or a function sandbox's role session.
//
// The default LocalStack credentials (test/test) and unknown access keys
// act as the account root unless strict mode asks for a valid signature
// from known credentials on every call (see Authenticator).
package auth

import (
	"context"
	"strings"
	"sync/atomic"
)

// Kind says what a principal is.
type Kind string

const (
	// KindRoot is the account root: full access, as on AWS.
	KindRoot Kind = "root"
	// KindUser is an IAM user's long-term access key.
	KindUser Kind = "user"
	// KindAssumedRole is a role session (sts:AssumeRole or a function
	// sandbox's execution role).
	KindAssumedRole Kind = "assumed-role"
)

// Principal is who made a call, as GetCallerIdentity reports it.
type Principal struct {
	Kind    Kind
	Account string
	// ARN is the caller's identity: arn:aws:iam::ACCOUNT:root,
	// arn:aws:iam::ACCOUNT:user/NAME or
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
	ARN string
	// UserID is GetCallerIdentity's UserId (AROA…:SESSION for roles).
	UserID string
	// RoleARN is the IAM role whose policies apply to an assumed role.
	RoleARN string
	// AccessKeyID is the key the request was signed with ("" if unsigned).
	AccessKeyID string
	// Verified is true when the request's signature was checked against
	// the registered secret.
	Verified bool
	// Sandbox is set for the credentials of a function sandbox.
	Sandbox *Sandbox
}

// IsRoot reports whether p is an account root (full access).
func (p Principal) IsRoot() bool { return p.Kind == KindRoot }

// RootPrincipal is the root of account.
func RootPrincipal(account string) Principal {
	return Principal{Kind: KindRoot, Account: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account}
}

// UserPrincipal is the IAM user with this ARN
// (arn:aws:iam::ACCOUNT:user/PATH/NAME) and unique id (AIDA…).
func UserPrincipal(userARN, userID string) Principal {
	account, _ := roleParts(userARN)
	return Principal{Kind: KindUser, Account: account, ARN: userARN, UserID: userID}
}

// RoleSessionPrincipal is a session of roleARN named session, as STS
// names it: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION. roleID is the
// role's unique id (AROA…).
func RoleSessionPrincipal(roleARN, roleID, session string) Principal {
	account, name := roleParts(roleARN)
	return Principal{
		Kind:    KindAssumedRole,
		Account: account,
		ARN:     "arn:aws:sts::" + account + ":assumed-role/" + name + "/" + session,
		UserID:  roleID + ":" + session,
		RoleARN: roleARN,
	}
}

// roleParts reads the account and the name (without its path) of a role
// or user ARN: arn:aws:iam::ACCOUNT:role/PATH/NAME.
func roleParts(roleARN string) (account, name string) {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) == 6 {
		account = parts[4]
	}
	name = roleARN[strings.LastIndex(roleARN, "/")+1:]
	return account, name
}

// Sandbox links credentials to the function sandbox (one process) holding
// them, so that a call made with them can be attributed to the function
// version, the sandbox and the invocation it was running.
type Sandbox struct {
	FunctionARN  string
	FunctionName string
	Version      string
	ID           string

	invocation atomic.Pointer[string]
}

// SetInvocation records the invocation the sandbox is running ("" when
// idle). The runtime calls it as invocations are delivered and end.
func (s *Sandbox) SetInvocation(requestID string) { s.invocation.Store(&requestID) }

// Invocation is the request id of the invocation the sandbox is running,
// "" when idle.
func (s *Sandbox) Invocation() string {
	if p := s.invocation.Load(); p != nil {
		return *p
	}
	return ""
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of the request ctx belongs to.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
