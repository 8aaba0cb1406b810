package iampolicy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Request is what a call asks for, in IAM's terms.
type Request struct {
	Action   string // service:Action, e.g. ec2:StopInstances
	Resource string // an ARN, or "*" for actions without resource-level permissions
	// Context holds the condition keys of the request (key names are
	// case-insensitive): aws:ResourceTag/Project, aws:RequestedRegion,
	// aws:PrincipalArn...
	Context map[string][]string
}

// Decision is the outcome of an evaluation.
type Decision int

const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Decision = iota
	// Allowed: a statement allows it and none denies it.
	Allowed
	// ExplicitDeny: a Deny statement applies.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicitly denied"
	}
	return "implicitly denied"
}

// Result is a decision and the statement that made it (none for an
// implicit deny).
type Result struct {
	Decision Decision
	Policy   string // the deciding policy's Name
	Sid      string
}

// Evaluate decides req against a principal's identity policies: an
// explicit Deny in any of them wins, then an Allow, else the request is
// denied by default.
func Evaluate(policies []*Policy, req Request) Result {
	e := &evaluation{req: req}
	var allow *Result
	for _, p := range policies {
		for _, s := range p.Statements {
			if !s.applies(e) {
				continue
			}
			if s.Effect == Deny {
				return Result{Decision: ExplicitDeny, Policy: p.Name, Sid: s.Sid}
			}
			if allow == nil {
				allow = &Result{Decision: Allowed, Policy: p.Name, Sid: s.Sid}
			}
		}
	}
	if allow != nil {
		return *allow
	}
	return Result{Decision: ImplicitDeny}
}

// HasConditions reports whether any statement of p has a Condition, that
// is whether evaluating it reads the request's context.
func (p *Policy) HasConditions() bool {
	for _, s := range p.Statements {
		if len(s.Conditions) > 0 {
			return true
		}
	}
	return false
}

// evaluation is one request being evaluated: its context keys are
// lower-cased on the first condition that reads them.
type evaluation struct {
	req Request
	ctx map[string][]string
}

func (e *evaluation) context() map[string][]string {
	if e.ctx == nil {
		e.ctx = make(map[string][]string, len(e.req.Context))
		for k, v := range e.req.Context {
			e.ctx[strings.ToLower(k)] = v
		}
	}
	return e.ctx
}

// applies reports whether the statement covers the request (its effect
// aside).
func (s Statement) applies(e *evaluation) bool {
	req := e.req
	if s.Action != nil && !anyMatch(s.Action, req.Action, actionMatch) {
		return false
	}
	if s.NotAction != nil && anyMatch(s.NotAction, req.Action, actionMatch) {
		return false
	}
	if s.Resource != nil && !anyMatch(s.Resource, req.Resource, arnMatch) {
		return false
	}
	if s.NotResource != nil && anyMatch(s.NotResource, req.Resource, arnMatch) {
		return false
	}
	for _, c := range s.Conditions {
		if !c.holds(e.context()) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, v string, match func(pattern, v string) bool) bool {
	for _, p := range patterns {
		if match(p, v) {
			return true
		}
	}
	return false
}

// actionMatch compares service:action names case-insensitively.
func actionMatch(pattern, action string) bool {
	return Glob(strings.ToLower(pattern), strings.ToLower(action))
}

// arnMatch matches an ARN pattern segment by segment, as IAM does for
// Resource and the Arn* operators: arn:partition:service:region:account:
// resource, wildcards staying within their segment (the last one, the
// resource, may hold colons). Patterns that do not start with arn: match
// as a whole.
func arnMatch(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	if !strings.HasPrefix(pattern, "arn:") || !strings.HasPrefix(arn, "arn:") {
		return Glob(pattern, arn)
	}
	ps, as := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(ps) != 6 || len(as) != 6 {
		return false // not an ARN: IAM would have refused such a pattern
	}
	for i := range ps {
		if !Glob(ps[i], as[i]) {
			return false
		}
	}
	return true
}

// Glob matches s against a pattern where * is any run of characters ('/'
// and ':' included) and ? any single byte, everything else literally: IAM's
// wildcards (linear time, no recursion, no allocation).
func Glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// negated operators hold when the key is absent and, for a present key,
// when no policy value matches.
func negated(op string) bool {
	return strings.Contains(op, "Not")
}

// positiveOf is the operator a negated one negates.
func positiveOf(op string) string {
	if op == "NotIpAddress" {
		return "IpAddress"
	}
	return strings.Replace(op, "Not", "", 1)
}

// holds evaluates the condition against the request's keys.
func (c Condition) holds(ctx map[string][]string) bool {
	values, present := ctx[strings.ToLower(c.Key)]
	present = present && len(values) > 0
	if c.base == "Null" {
		for _, want := range c.Values {
			if strings.EqualFold(want, "true") == present {
				return false
			}
		}
		return true
	}
	if !present {
		return c.ifExists || c.set == "ForAllValues" || negated(c.base)
	}
	switch {
	case c.set == "ForAllValues", c.set == "" && negated(c.base):
		for _, v := range values {
			if !c.valueHolds(v) {
				return false
			}
		}
		return true
	default: // ForAnyValue, and single-valued keys
		for _, v := range values {
			if c.valueHolds(v) {
				return true
			}
		}
		return false
	}
}

// valueHolds compares one request value with the policy's values: any
// of them for positive operators, none of them for negated ones.
func (c Condition) valueHolds(v string) bool {
	positive := positiveOf(c.base)
	hit := false
	for _, want := range c.Values {
		if compare(positive, v, want) {
			hit = true
			break
		}
	}
	return hit != negated(c.base)
}

func compare(op, got, want string) bool {
	switch op {
	case "StringEquals":
		return got == want
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(got, want)
	case "StringLike":
		return Glob(want, got)
	case "ArnEquals", "ArnLike":
		return arnMatch(want, got)
	case "Bool":
		return strings.EqualFold(got, want)
	}
	if op == "IpAddress" {
		return ipIn(got, want)
	}
	var g, w float64
	var ok bool
	rel, numeric := strings.CutPrefix(op, "Numeric")
	if numeric {
		g, w, ok = numbers(got, want)
	} else if rel, ok = strings.CutPrefix(op, "Date"); ok {
		g, w, ok = dates(got, want)
	}
	if !ok {
		return false
	}
	switch rel {
	case "Equals":
		return g == w
	case "LessThan":
		return g < w
	case "LessThanEquals":
		return g <= w
	case "GreaterThan":
		return g > w
	case "GreaterThanEquals":
		return g >= w
	}
	return false
}

func numbers(got, want string) (float64, float64, bool) {
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return g, w, err1 == nil && err2 == nil
}

// dates compares ISO 8601 times or epoch seconds, as IAM accepts both.
func dates(got, want string) (float64, float64, bool) {
	parse := func(s string) (float64, bool) {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return float64(t.UnixNano()) / 1e9, true
		}
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return float64(t.Unix()), true
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	g, ok1 := parse(got)
	w, ok2 := parse(want)
	return g, w, ok1 && ok2
}

// ipIn reports whether the address got is in the CIDR (or equals the
// address) want.
func ipIn(got, want string) bool {
	addr, err := netip.ParseAddr(got)
	if err != nil {
		return false
	}
	if prefix, err := netip.ParsePrefix(want); err == nil {
		return prefix.Contains(addr)
	}
	w, err := netip.ParseAddr(want)
	return err == nil && w == addr
}
