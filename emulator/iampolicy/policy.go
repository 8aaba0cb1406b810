// Package iampolicy parses IAM identity-policy documents and evaluates
// requests against them the way IAM does for one account: an explicit Deny
// wins, then any Allow, and everything else is denied by default.
//
// Supported: Effect, Action/NotAction (case-insensitive, * and ?
// wildcards), Resource/NotResource (ARN wildcards, segment by segment),
// and the Condition operators String*, Arn*, Bool, Null, Numeric*, Date*
// and IpAddress, with IfExists and the ForAnyValue:/ForAllValues: set
// qualifiers.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Effects of a statement.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// Policy is a parsed policy document.
type Policy struct {
	// Name says where the policy came from (e.g. "inline policy ctl of
	// role r"), for messages.
	Name       string
	Version    string
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid         string
	Effect      string
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	Conditions  []Condition
}

// Condition is one operator/key entry of a Condition block.
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLike" or "ArnLikeIfExists"
	Key      string
	Values   []string

	base     string // operator without qualifier or IfExists
	set      string // "", "ForAnyValue" or "ForAllValues"
	ifExists bool
}

// Parse reads a policy document: fields may be single strings or lists,
// condition values strings, booleans or numbers. It rejects what IAM
// rejects: no statement, a bad Effect, both or neither of Action and
// NotAction (or Resource and NotResource), unknown condition operators.
func Parse(doc string) (*Policy, error) {
	var raw struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("policy is not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("policy has trailing data after its JSON object")
	}
	var stmts []rawStatement
	trimmed := bytes.TrimSpace(raw.Statement)
	switch {
	case len(trimmed) == 0 || string(trimmed) == "null":
		return nil, errors.New("policy has no Statement")
	case trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &stmts); err != nil {
			return nil, fmt.Errorf("policy Statement: %w", err)
		}
	default:
		var one rawStatement
		if err := json.Unmarshal(trimmed, &one); err != nil {
			return nil, fmt.Errorf("policy Statement: %w", err)
		}
		stmts = []rawStatement{one}
	}
	if len(stmts) == 0 {
		return nil, errors.New("policy has no Statement")
	}
	p := &Policy{Version: raw.Version}
	for i, rs := range stmts {
		s, err := rs.statement()
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

type rawStatement struct {
	Sid         string                         `json:"Sid"`
	Effect      string                         `json:"Effect"`
	Action      stringList                     `json:"Action"`
	NotAction   stringList                     `json:"NotAction"`
	Resource    stringList                     `json:"Resource"`
	NotResource stringList                     `json:"NotResource"`
	Condition   map[string]map[string]anyValue `json:"Condition"`
}

func (rs rawStatement) statement() (Statement, error) {
	s := Statement{Sid: rs.Sid, Effect: rs.Effect, Action: rs.Action.v, NotAction: rs.NotAction.v, Resource: rs.Resource.v, NotResource: rs.NotResource.v}
	if s.Effect != Allow && s.Effect != Deny {
		return s, fmt.Errorf("Effect must be Allow or Deny, not %q", s.Effect)
	}
	if rs.Action.set == rs.NotAction.set {
		return s, errors.New("a statement needs exactly one of Action and NotAction")
	}
	if rs.Resource.set == rs.NotResource.set {
		return s, errors.New("a statement needs exactly one of Resource and NotResource")
	}
	for _, a := range append(append([]string{}, s.Action...), s.NotAction...) {
		if a != "*" && !strings.Contains(a, ":") {
			return s, fmt.Errorf("action %q must be service:action", a)
		}
	}
	for op, keys := range rs.Condition {
		for key, v := range keys {
			c := Condition{Operator: op, Key: key, Values: v.v}
			if err := c.parseOperator(); err != nil {
				return s, err
			}
			s.Conditions = append(s.Conditions, c)
		}
	}
	return s, nil
}

// stringList is a policy field that is a string or a list of strings.
type stringList struct {
	v   []string
	set bool
}

func (l *stringList) UnmarshalJSON(b []byte) error {
	l.set = true
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		l.v = []string{one}
		return nil
	}
	if err := json.Unmarshal(b, &l.v); err != nil {
		return errors.New("expected a string or a list of strings")
	}
	return nil
}

// anyValue is a condition value: a string, boolean or number, or a list
// of them, kept as strings.
type anyValue struct{ v []string }

func (a *anyValue) UnmarshalJSON(b []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		items = []json.RawMessage{b}
	}
	for _, item := range items {
		var v any
		dec := json.NewDecoder(bytes.NewReader(item))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return err
		}
		switch x := v.(type) {
		case string:
			a.v = append(a.v, x)
		case bool:
			a.v = append(a.v, strconv.FormatBool(x))
		case json.Number:
			a.v = append(a.v, x.String())
		default:
			return errors.New("condition values must be strings, booleans or numbers")
		}
	}
	return nil
}

// operators are the base condition operators the evaluator knows.
var operators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"ArnEquals": true, "ArnNotEquals": true, "ArnLike": true, "ArnNotLike": true,
	"Bool": true, "Null": true,
	"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true, "NumericLessThanEquals": true,
	"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
	"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
	"DateGreaterThan": true, "DateGreaterThanEquals": true,
	"IpAddress": true, "NotIpAddress": true,
}

func (c *Condition) parseOperator() error {
	op := c.Operator
	if set, rest, ok := strings.Cut(op, ":"); ok {
		if set != "ForAnyValue" && set != "ForAllValues" {
			return fmt.Errorf("condition operator %q: the qualifier must be ForAnyValue or ForAllValues", c.Operator)
		}
		c.set, op = set, rest
	}
	if base, ok := strings.CutSuffix(op, "IfExists"); ok && base != "Null" {
		c.ifExists, op = true, base
	}
	if !operators[op] {
		return fmt.Errorf("condition operator %q is not supported by the emulator", c.Operator)
	}
	c.base = op
	return nil
}
