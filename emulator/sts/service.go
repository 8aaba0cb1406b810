// Package sts emulates the STS calls tools make against LocalStack:
// GetCallerIdentity, AssumeRole and GetSessionToken. GetCallerIdentity
// answers who signed the call (auth.PrincipalFrom); credentials minted by
// AssumeRole and GetSessionToken are registered with the emulator's
// credential registry when it has one, so that calls signed with them act
// as the role or the caller.
package sts

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// Namespace is the XML namespace of every STS response.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// RootARN is the account root: the caller of unsigned requests and of
// LocalStack's test credentials.
const RootARN = "arn:aws:iam::" + protocol.AccountID + ":root"

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	roleARNPattern     = regexp.MustCompile(`^arn:aws:iam::\d{12}:role(/[\x21-\x7E]*)?/([\w+=,.@-]{1,64})$`)
)

// Service is the STS emulator.
type Service struct {
	now      func() time.Time
	roles    RoleLookup
	registry *auth.Registry
}

// RoleLookup tells whether a role exists (IAM implements it) and its
// unique id (AROA…).
type RoleLookup interface {
	RoleExists(arn string) bool
	RoleID(arn string) (string, bool)
}

// New returns the service; AssumeRole of a role that roles does not know
// is denied, as on AWS (nil roles: every well-formed role ARN is
// assumed). With a registry, minted credentials are registered in it.
func New(roles RoleLookup, registry *auth.Registry) *Service {
	return &Service{now: time.Now, roles: roles, registry: registry}
}

// Actions lists the Query actions this service answers.
func (s *Service) Actions() []string {
	return []string{"AssumeRole", "DecodeAuthorizationMessage", "GetCallerIdentity", "GetSessionToken"}
}

type callerIdentity struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

type credentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type assumeRoleResult struct {
	Credentials      credentials     `xml:"Credentials"`
	AssumedRoleUser  assumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize int             `xml:"PackedPolicySize"`
}

type decodedMessage struct {
	DecodedMessage string `xml:"DecodedMessage"`
}

// decodeAuthorizationMessage reveals the details of an EC2
// UnauthorizedOperation message.
func decodeAuthorizationMessage(req *protocol.QueryRequest) (any, error) {
	enc := req.Params.Get("EncodedMessage")
	if enc == "" {
		return nil, validation("Value null at 'encodedMessage' failed to satisfy constraint: Member must not be null")
	}
	doc, err := auth.DecodeAuthorizationMessage(enc)
	if err != nil {
		return nil, protocol.BadRequest("InvalidAuthorizationMessageException", "%v", err)
	}
	return decodedMessage{DecodedMessage: doc}, nil
}

type sessionTokenResult struct {
	Credentials credentials `xml:"Credentials"`
}

// HandleQuery answers one STS Query call.
func (s *Service) HandleQuery(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	var (
		result any
		err    error
	)
	caller, ok := auth.PrincipalFrom(ctx)
	if !ok {
		caller = auth.RootPrincipal(protocol.AccountID)
	}
	switch req.Action {
	case "GetCallerIdentity":
		result = callerIdentity{UserID: caller.UserID, Account: caller.Account, Arn: caller.ARN}
	case "AssumeRole":
		result, err = s.assumeRole(req, caller)
	case "GetSessionToken":
		result, err = s.getSessionToken(req, caller)
	case "DecodeAuthorizationMessage":
		result, err = decodeAuthorizationMessage(req)
	default:
		return nil, protocol.UnknownAction("sts", req.Action)
	}
	if err != nil {
		return nil, err
	}
	return protocol.QueryResponse{Action: req.Action, Namespace: Namespace, RequestID: req.RequestID, Result: result}, nil
}

func validation(format string, args ...any) *protocol.Error {
	return protocol.BadRequest("ValidationError", "1 validation error detected: "+format, args...)
}

func (s *Service) assumeRole(req *protocol.QueryRequest, caller auth.Principal) (any, error) {
	arn := req.Params.Get("RoleArn")
	session := req.Params.Get("RoleSessionName")
	if arn == "" {
		return nil, validation("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if session == "" {
		return nil, validation("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	if !sessionNamePattern.MatchString(session) {
		return nil, validation("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*", session)
	}
	if !roleARNPattern.MatchString(arn) {
		return nil, validation("Value '%s' at 'roleArn' failed to satisfy constraint: Member must be a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", arn)
	}
	duration, ok, perr := protocol.OptionalInt(req.Params, "DurationSeconds", 900, 43200)
	if perr != nil {
		return nil, perr
	}
	if !ok {
		duration = 3600
	}
	if policy := req.Params.Get("Policy"); policy != "" && !strings.HasPrefix(strings.TrimSpace(policy), "{") {
		return nil, protocol.BadRequest("MalformedPolicyDocument", "The policy is not in the valid JSON format.")
	}
	if s.roles != nil && !s.roles.RoleExists(arn) {
		return nil, protocol.Errorf(http.StatusForbidden, "AccessDenied",
			"User: %s is not authorized to perform: sts:AssumeRole on resource: %s (the role does not exist: create it with iam create-role)", caller.ARN, arn)
	}
	roleID, known := "", false
	if s.roles != nil {
		roleID, known = s.roles.RoleID(arn)
	}
	if !known {
		roleID = "AROA" + protocol.UpperAlnumID(17)
	}
	ttl := time.Duration(duration) * time.Second
	who := auth.RoleSessionPrincipal(arn, roleID, session)
	creds, err := s.mint(ttl, who)
	if err != nil {
		return nil, err
	}
	return assumeRoleResult{
		Credentials:     creds,
		AssumedRoleUser: assumedRoleUser{AssumedRoleID: who.UserID, Arn: who.ARN},
	}, nil
}

func (s *Service) getSessionToken(req *protocol.QueryRequest, caller auth.Principal) (any, error) {
	duration, ok, perr := protocol.OptionalInt(req.Params, "DurationSeconds", 900, 129600)
	if perr != nil {
		return nil, perr
	}
	if !ok {
		duration = 43200
	}
	if caller.Kind == auth.KindAssumedRole {
		return nil, protocol.Errorf(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	creds, err := s.mint(time.Duration(duration)*time.Second, caller)
	if err != nil {
		return nil, err
	}
	return sessionTokenResult{Credentials: creds}, nil
}

// mint makes temporary credentials in AWS's shapes (an ASIA access key, a
// 40-character secret, a session token) acting as who, registered when
// the service has a registry.
func (s *Service) mint(ttl time.Duration, who auth.Principal) (credentials, error) {
	c := auth.Credential{
		AccessKeyID:     "ASIA" + protocol.UpperAlnumID(16),
		SecretAccessKey: protocol.AlnumID(40),
		SessionToken:    "FQoGZXIvYXdzE" + protocol.AlnumID(120),
		Principal:       who,
		Expires:         s.now().UTC().Add(ttl).Truncate(time.Second),
	}
	if s.registry != nil {
		if err := s.registry.Register(c); err != nil {
			return credentials{}, fmt.Errorf("failed to register session credentials: %w", err)
		}
	}
	return credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Expiration:      c.Expires.Format("2006-01-02T15:04:05Z"),
	}, nil
}
