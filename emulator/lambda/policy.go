package lambda

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// statement is one resource-policy statement, in the shape AWS renders.
type statement struct {
	Sid       string                       `json:"Sid"`
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

type addPermissionInput struct {
	StatementID      *string `json:"StatementId"`
	Action           *string `json:"Action"`
	Principal        *string `json:"Principal"`
	SourceArn        string  `json:"SourceArn"`
	SourceAccount    string  `json:"SourceAccount"`
	EventSourceToken string  `json:"EventSourceToken"`
	PrincipalOrgID   string  `json:"PrincipalOrgID"`
	FunctionURLAuth  string  `json:"FunctionUrlAuthType"`
	RevisionID       string  `json:"RevisionId"`
}

var (
	sidRE       = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,100}$`)
	actionRE    = regexp.MustCompile(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`)
	principalRE = regexp.MustCompile(`^[^\s]+$`)
	accountRE   = regexp.MustCompile(`^\d{12}$`)
)

func (in *addPermissionInput) constraints() []string {
	var out []string
	check := func(v *string, field string, re *regexp.Regexp, pattern string) {
		switch {
		case v == nil:
			out = append(out, constraint(nil, field, "Member must not be null"))
		case !re.MatchString(*v):
			out = append(out, constraint(*v, field, "Member must satisfy regular expression pattern: "+pattern))
		}
	}
	check(in.StatementID, "statementId", sidRE, "([a-zA-Z0-9-_]+)")
	check(in.Action, "action", actionRE, "(lambda:[*]|lambda:[a-zA-Z]+|[*])")
	check(in.Principal, "principal", principalRE, `[^\s]+`)
	return out
}

// principal renders a Principal parameter as IAM does: a service, an
// account (as its root ARN), an ARN, or everyone.
func principal(p string) any {
	switch {
	case p == "*":
		return "*"
	case accountRE.MatchString(p):
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case strings.HasPrefix(p, "arn:"):
		return map[string]string{"AWS": p}
	default:
		return map[string]string{"Service": p}
	}
}

func (in *addPermissionInput) statement(resource string) statement {
	st := statement{Sid: *in.StatementID, Effect: "Allow", Principal: principal(*in.Principal), Action: *in.Action, Resource: resource}
	cond := map[string]map[string]string{}
	if in.SourceArn != "" {
		cond["ArnLike"] = map[string]string{"AWS:SourceArn": in.SourceArn}
	}
	if in.SourceAccount != "" {
		cond["StringEquals"] = map[string]string{"AWS:SourceAccount": in.SourceAccount}
	}
	if in.PrincipalOrgID != "" {
		if cond["StringEquals"] == nil {
			cond["StringEquals"] = map[string]string{}
		}
		cond["StringEquals"]["aws:PrincipalOrgID"] = in.PrincipalOrgID
	}
	if in.EventSourceToken != "" {
		if cond["StringEquals"] == nil {
			cond["StringEquals"] = map[string]string{}
		}
		cond["StringEquals"]["lambda:EventSourceToken"] = in.EventSourceToken
	}
	if in.FunctionURLAuth != "" {
		if cond["StringEquals"] == nil {
			cond["StringEquals"] = map[string]string{}
		}
		cond["StringEquals"]["lambda:FunctionUrlAuthType"] = in.FunctionURLAuth
	}
	if len(cond) > 0 {
		st.Condition = cond
	}
	return st
}

func (s *Service) addPermission(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	var in addPermissionInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if err := validationError(in.constraints()...); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	if in.RevisionID != "" && in.RevisionID != f.RevisionID {
		return protocol.Errorf(http.StatusPreconditionFailed, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	for _, st := range f.Policy {
		if st.Sid == *in.StatementID {
			return protocol.Conflict("ResourceConflictException",
				"The statement id (%s) provided already exists. Please choose a new statement id, or remove the existing statement.", st.Sid)
		}
	}
	st := in.statement(f.arn())
	prevPolicy, prevRev := f.Policy, f.RevisionID
	f.Policy = append(f.Policy[:len(f.Policy):len(f.Policy)], st)
	f.RevisionID = protocol.RequestID()
	if err := s.save(); err != nil {
		f.Policy, f.RevisionID = prevPolicy, prevRev
		return serviceError(err)
	}
	doc, _ := json.Marshal(st)
	protocol.WriteJSON(w, http.StatusCreated, map[string]string{"Statement": string(doc)})
	return nil
}

type policyDocument struct {
	Version   string      `json:"Version"`
	ID        string      `json:"Id"`
	Statement []statement `json:"Statement"`
}

func (s *Service) getPolicy(w http.ResponseWriter, region string, rf ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	if len(f.Policy) == 0 {
		return protocol.NotFound("ResourceNotFoundException", "The resource you requested does not exist.")
	}
	doc, _ := json.Marshal(policyDocument{Version: "2012-10-17", ID: "default", Statement: f.Policy})
	protocol.WriteJSON(w, http.StatusOK, map[string]string{"Policy": string(doc), "RevisionId": f.RevisionID})
	return nil
}

func (s *Service) removePermission(w http.ResponseWriter, r *http.Request, region string, rf ref, sid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	if rev := r.URL.Query().Get("RevisionId"); rev != "" && rev != f.RevisionID {
		return protocol.Errorf(http.StatusPreconditionFailed, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	if len(f.Policy) == 0 {
		return protocol.NotFound("ResourceNotFoundException", "No policy is associated with the given resource.")
	}
	idx := -1
	for i, st := range f.Policy {
		if st.Sid == sid {
			idx = i
		}
	}
	if idx < 0 {
		return protocol.NotFound("ResourceNotFoundException", "Statement %s is not found in resource policy.", sid)
	}
	prevPolicy, prevRev := f.Policy, f.RevisionID
	f.Policy = append(append([]statement{}, f.Policy[:idx]...), f.Policy[idx+1:]...)
	f.RevisionID = protocol.RequestID()
	if err := s.save(); err != nil {
		f.Policy, f.RevisionID = prevPolicy, prevRev
		return serviceError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
