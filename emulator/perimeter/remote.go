package perimeter

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Verifier checks that a request carries a valid AWS Signature Version 4
// made with credentials the emulator knows. It is asked only when the
// control port accepts remote access. An error may tell its AWS error code
// through an AWSCode() string method (InvalidClientTokenId,
// SignatureDoesNotMatch, MissingAuthenticationToken…).
type Verifier interface {
	Verify(r *http.Request) error
}

// VerifierFunc adapts a function to Verifier.
type VerifierFunc func(*http.Request) error

// Verify calls f.
func (f VerifierFunc) Verify(r *http.Request) error { return f(r) }

var errNoVerifier = errors.New("no signature verifier is configured, so nothing can be accepted")

// ErrRemoteNotAllowed is returned for a control address beyond loopback
// without the opt-in.
var ErrRemoteNotAllowed = errors.New("remote access not allowed")

// CheckControlAddr refuses a control-port listen address that other
// machines could reach, unless allowRemote. addr is host:port; an empty
// host means every interface.
func CheckControlAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid listen address %q: use host:port, such as 127.0.0.1:4566", addr)
	}
	if allowRemote || IsLoopbackHost(host) {
		return nil
	}
	shown := "an address other machines may reach"
	if ip := net.ParseIP(strings.Trim(host, "[]")); host == "" || (ip != nil && ip.IsUnspecified()) {
		shown = "every interface"
	}
	return fmt.Errorf("%w: refusing to listen on %s (%s): the AWS APIs, which create and run native code on this machine, would be reachable from other machines. "+
		"Listen on 127.0.0.1:%s instead; or, on purpose, opt in with %s (env %s=1): every AWS API call must then be signed (SigV4) with credentials the emulator is configured with",
		ErrRemoteNotAllowed, addr, shown, port, FlagAllowRemote, EnvAllowRemote)
}

// RemoteWarning is printed when the control port listens beyond loopback.
func RemoteWarning(addr string) string {
	return fmt.Sprintf("WARNING: the emulator's AWS APIs listen on %s (%s): other machines can reach them; only calls signed with the configured credentials are accepted", addr, FlagAllowRemote)
}

// PublicWarning is printed when the public data-plane port listens beyond
// loopback: it serves deployed APIs only, which anyone who can reach the
// port may call, running their functions.
func PublicWarning(addr string) string {
	return fmt.Sprintf("note: the public port listens on %s: anyone who can reach it can call the deployed APIs' stage URLs (and so run their functions); the AWS APIs are not served there", addr)
}
