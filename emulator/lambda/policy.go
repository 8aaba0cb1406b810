package lambda

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
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
	if err := decodeBody(r, "AddPermission", &in); err != nil {
		return err
	}
	if err := validationError(in.constraints()...); err != nil {
		return err
	}
	if rf.Qualifier == latest {
		return invalidParam("We currently do not support adding policies for $LATEST.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, err := s.resourcePolicy(region, rf)
	if err != nil {
		return err
	}
	if in.RevisionID != "" && in.RevisionID != *rp.revision {
		return errRevisionMismatch()
	}
	for _, st := range *rp.policy {
		if st.Sid == *in.StatementID {
			return protocol.Conflict("ResourceConflictException",
				"The statement id (%s) provided already exists. Please choose a new statement id, or remove the existing statement.", st.Sid)
		}
	}
	st := in.statement(rp.arn)
	*rp.policy = append(slices.Clip(*rp.policy), st)
	*rp.revision = protocol.RequestID()
	if err := s.save(); err != nil {
		return err
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
	rp, err := s.resourcePolicy(region, rf)
	if err != nil && rf.Qualifier != "" && s.exists(region, rf) {
		err = errNoPolicy // an unknown qualifier has no policy
	}
	if err != nil {
		return err
	}
	if len(*rp.policy) == 0 {
		return errNoPolicy
	}
	doc, _ := json.Marshal(policyDocument{Version: "2012-10-17", ID: "default", Statement: *rp.policy})
	protocol.WriteJSON(w, http.StatusOK, map[string]string{"Policy": string(doc), "RevisionId": *rp.revision})
	return nil
}

var errNoPolicy = protocol.NotFound("ResourceNotFoundException", "The resource you requested does not exist.")

func (s *Service) removePermission(w http.ResponseWriter, r *http.Request, region string, rf ref, sid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, err := s.resourcePolicy(region, rf)
	if err != nil {
		return err
	}
	if rev := r.URL.Query().Get("RevisionId"); rev != "" && rev != *rp.revision {
		return errRevisionMismatch()
	}
	if len(*rp.policy) == 0 {
		return protocol.NotFound("ResourceNotFoundException", "No policy is associated with the given resource.")
	}
	idx := slices.IndexFunc(*rp.policy, func(st statement) bool { return st.Sid == sid })
	if idx < 0 {
		return protocol.NotFound("ResourceNotFoundException", "Statement %s is not found in resource policy.", sid)
	}
	*rp.policy = slices.Delete(slices.Clone(*rp.policy), idx, idx+1)
	*rp.revision = protocol.RequestID()
	if err := s.save(); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resourcePolicy is the policy a reference selects, with the revision id
// that guards it and the ARN its statements name: a function's (no
// qualifier, or $LATEST), a version's or an alias's. Each is separate, as
// on AWS: a permission on an alias covers invocations through the alias.
type resourcePolicy struct {
	arn      string
	policy   *[]statement
	revision *string
}

// resourcePolicy resolves rf's policy; callers hold s.mu.
func (s *Service) resourcePolicy(region string, rf ref) (resourcePolicy, error) {
	t, err := s.resolve(region, rf)
	switch {
	case err != nil && rf.Qualifier != latest && !isVersion(rf.Qualifier) && rf.Qualifier != "" && s.exists(region, rf):
		return resourcePolicy{}, protocol.NotFound("ResourceNotFoundException", "Cannot find alias arn: %s", s.refARN(region, rf))
	case err != nil:
		return resourcePolicy{}, err
	case t.alias != nil:
		return resourcePolicy{arn: t.arn, policy: &t.alias.Policy, revision: &t.alias.RevisionID}, nil
	default: // $LATEST or a version
		return resourcePolicy{arn: t.ver.arn(), policy: &t.ver.Policy, revision: &t.ver.RevisionID}, nil
	}
}

// exists tells whether rf's function (whatever its qualifier) exists;
// callers hold s.mu.
func (s *Service) exists(region string, rf ref) bool {
	if rf.Region != "" {
		region = rf.Region
	}
	_, ok := s.functions[key(region, rf.Name)]
	return ok
}

// refARN is the ARN rf names, qualified when it is.
func (s *Service) refARN(region string, rf ref) string {
	if rf.Region != "" {
		region = rf.Region
	}
	if rf.Qualifier != "" {
		return functionARN(region, rf.Name) + ":" + rf.Qualifier
	}
	return functionARN(region, rf.Name)
}
