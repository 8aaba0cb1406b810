// Package sts emulates the STS calls tools make against LocalStack:
// GetCallerIdentity, AssumeRole and GetSessionToken. Credentials are fake
// and never checked, as everywhere in the emulator.
package sts

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Namespace is the XML namespace of every STS response.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// RootARN is the caller every request is answered as.
const RootARN = "arn:aws:iam::" + protocol.AccountID + ":root"

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	roleARNPattern     = regexp.MustCompile(`^arn:aws:iam::\d{12}:role(/[\x21-\x7E]*)?/([\w+=,.@-]{1,64})$`)
)

// Service is the STS emulator.
type Service struct {
	now   func() time.Time
	roles RoleLookup
}

// RoleLookup tells whether a role exists (IAM implements it).
type RoleLookup interface {
	RoleExists(arn string) bool
}

// New returns the service; AssumeRole of a role that roles does not know
// is denied, as on AWS (nil roles: every well-formed role ARN is assumed).
func New(roles RoleLookup) *Service { return &Service{now: time.Now, roles: roles} }

// Actions lists the Query actions this service answers.
func (s *Service) Actions() []string {
	return []string{"AssumeRole", "GetCallerIdentity", "GetSessionToken"}
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

type sessionTokenResult struct {
	Credentials credentials `xml:"Credentials"`
}

// HandleQuery answers one STS Query call.
func (s *Service) HandleQuery(_ context.Context, req *protocol.QueryRequest) (any, error) {
	var (
		result any
		err    error
	)
	switch req.Action {
	case "GetCallerIdentity":
		result = callerIdentity{UserID: protocol.AccountID, Account: protocol.AccountID, Arn: RootARN}
	case "AssumeRole":
		result, err = s.assumeRole(req)
	case "GetSessionToken":
		result, err = s.getSessionToken(req)
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

func (s *Service) assumeRole(req *protocol.QueryRequest) (any, error) {
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
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil {
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
			"User: %s is not authorized to perform: sts:AssumeRole on resource: %s (the role does not exist: create it with iam create-role)", RootARN, arn)
	}
	account := arn[len("arn:aws:iam::") : len("arn:aws:iam::")+12]
	roleID := "AROA" + protocol.UpperAlnumID(17)
	return assumeRoleResult{
		Credentials: s.credentials(time.Duration(duration) * time.Second),
		AssumedRoleUser: assumedRoleUser{
			AssumedRoleID: roleID + ":" + session,
			Arn:           "arn:aws:sts::" + account + ":assumed-role/" + m[2] + "/" + session,
		},
	}, nil
}

func (s *Service) getSessionToken(req *protocol.QueryRequest) (any, error) {
	duration, ok, perr := protocol.OptionalInt(req.Params, "DurationSeconds", 900, 129600)
	if perr != nil {
		return nil, perr
	}
	if !ok {
		duration = 43200
	}
	return sessionTokenResult{Credentials: s.credentials(time.Duration(duration) * time.Second)}, nil
}

// credentials mints fake temporary credentials in AWS's shapes: an ASIA
// access key, a 40-character secret and an opaque session token.
func (s *Service) credentials(ttl time.Duration) credentials {
	return credentials{
		AccessKeyID:     "ASIA" + protocol.UpperAlnumID(16),
		SecretAccessKey: protocol.AlnumID(40),
		SessionToken:    "FQoGZXIvYXdzE" + protocol.AlnumID(120),
		Expiration:      s.now().UTC().Add(ttl).Format("2006-01-02T15:04:05Z"),
	}
}
