package emulator

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/apidriven/api-driven/emulator/auth"
)

// minSecretLength keeps guessable secrets out of remote access.
const minSecretLength = 16

// registerCredentials adds the configured credentials (AWSEMU_CREDENTIALS)
// to the registry as the account root.
func (s *Server) registerCredentials() error {
	for id, secret := range s.cfg.Credentials {
		if id == auth.DefaultAccessKeyID || len(secret) < minSecretLength {
			return fmt.Errorf("credentials %q are not accepted: use an access key id other than %q and a secret of at least %d characters (AWSEMU_CREDENTIALS=<access key id>:<secret>)",
				id, auth.DefaultAccessKeyID, minSecretLength)
		}
		root := auth.RootPrincipal(auth.DefaultAccount)
		if err := s.credentials.Register(auth.Credential{AccessKeyID: id, SecretAccessKey: secret, Principal: root}); err != nil {
			return fmt.Errorf("failed to register credentials %s: %w", id, err)
		}
	}
	return nil
}

// remoteVerifier is the perimeter's signature check with remote access:
// a valid SigV4 signature from registered credentials (the configured
// ones, role sessions, function sandboxes), never the public test/test.
type remoteVerifier struct{ v *auth.Verifier }

func (rv remoteVerifier) Verify(r *http.Request) error {
	p, err := rv.v.VerifyRequest(r)
	var ae *auth.Error
	switch {
	case errors.As(err, &ae):
		return remoteError{ae.Reason, ae.Message}
	case err != nil:
		return err
	case p.AccessKeyID == auth.DefaultAccessKeyID:
		return remoteError{auth.InvalidClientToken, "the public test/test credentials are refused for remote access; sign with the credentials in AWSEMU_CREDENTIALS"}
	}
	return nil
}

// remoteError carries the AWS error code of a refused signature.
type remoteError struct {
	reason auth.Reason
	msg    string
}

func (e remoteError) Error() string { return e.msg }

func (e remoteError) AWSCode() string {
	switch e.reason {
	case auth.MissingAuthentication:
		return "MissingAuthenticationToken"
	case auth.IncompleteSignature:
		return "IncompleteSignature"
	case auth.InvalidClientToken:
		return "InvalidClientTokenId"
	case auth.SignatureMismatch:
		return "SignatureDoesNotMatch"
	case auth.ExpiredToken:
		return "ExpiredToken"
	case auth.RequestExpired:
		return "RequestExpired"
	}
	return "AccessDenied"
}
