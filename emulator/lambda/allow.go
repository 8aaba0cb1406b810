package lambda

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/iampolicy"
)

// AllowsInvoke reports whether the resource policy of ref lets the service
// principal (apigateway.amazonaws.com) invoke it on behalf of sourceARN, as
// Lambda checks a service's invocation: an Allow statement whose principal,
// action, resource and conditions all match. The policy is the one of what
// ref names: the function's (unqualified or $LATEST), a version's or an
// alias's, so a grant on an alias covers invocations through the alias ARN
// only, as on AWS. found is false when the function, version or alias does
// not exist.
func (s *Service) AllowsInvoke(region, ref, principal, sourceARN, sourceAccount string) (allowed, found bool) {
	rf, perr := parseRef(ref)
	if perr != nil {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, err := s.resourcePolicy(region, rf)
	if err != nil {
		return false, false
	}
	for _, st := range *rp.policy {
		if st.Effect == "Allow" && principalMatches(st.Principal, principal) && actionMatches(st.Action) &&
			arnLike(st.Resource, rp.arn) && conditionsMatch(st.Condition, sourceARN, sourceAccount) {
			return true, true
		}
	}
	return false, true
}

func principalMatches(p any, service string) bool {
	switch x := p.(type) {
	case string:
		return x == "*" || x == service
	case map[string]string:
		return x["Service"] == service || x["AWS"] == "*"
	case map[string]any:
		return x["Service"] == service || x["AWS"] == "*"
	}
	return false
}

func actionMatches(action string) bool {
	return action == "*" || action == "lambda:*" || strings.EqualFold(action, "lambda:InvokeFunction")
}

// conditionsMatch evaluates the conditions AddPermission writes; any other
// (an organization, an event source token) cannot hold for a service call.
func conditionsMatch(cond map[string]map[string]string, sourceARN, sourceAccount string) bool {
	for op, kv := range cond {
		for k, want := range kv {
			switch {
			case op == "ArnLike" && strings.EqualFold(k, "AWS:SourceArn"):
				if !arnLike(want, sourceARN) {
					return false
				}
			case op == "StringEquals" && strings.EqualFold(k, "AWS:SourceAccount"):
				if want != sourceAccount {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// arnLike is IAM's ArnLike: the six colon-separated parts match one by one,
// with * (any run, '/' included) and ? (one character) wildcards.
func arnLike(pattern, arn string) bool {
	pp, ap := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(pp) != len(ap) {
		return false
	}
	for i := range pp {
		if !iampolicy.Glob(pp[i], ap[i]) {
			return false
		}
	}
	return true
}
