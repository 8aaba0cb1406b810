package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
)

// AuthorizationMessage is what sts:DecodeAuthorizationMessage reveals of
// a denial, in AWS's JSON shape. EC2 returns it encoded in its
// UnauthorizedOperation messages.
type AuthorizationMessage struct {
	Allowed           bool           `json:"allowed"`
	ExplicitDeny      bool           `json:"explicitDeny"`
	MatchedStatements items[any]     `json:"matchedStatements"`
	Failures          items[any]     `json:"failures"`
	Context           MessageContext `json:"context"`
}

// MessageContext is the request a denial was about.
type MessageContext struct {
	Principal  MessagePrincipal     `json:"principal"`
	Action     string               `json:"action"`
	Resource   string               `json:"resource"`
	Conditions items[ConditionItem] `json:"conditions"`
}

// MessagePrincipal names who was denied.
type MessagePrincipal struct {
	ID  string `json:"id"`
	ARN string `json:"arn"`
}

// ConditionItem is one condition key of the request and its values.
type ConditionItem struct {
	Key    string             `json:"key"`
	Values items[ValueHolder] `json:"values"`
}

// ValueHolder wraps one value, as AWS nests them.
type ValueHolder struct {
	Value string `json:"value"`
}

type items[T any] struct {
	Items []T `json:"items"`
}

// NewAuthorizationMessage describes a denial of action on resource to p,
// with the request's condition keys.
func NewAuthorizationMessage(p Principal, action, resource string, explicitDeny bool, conditions map[string][]string) AuthorizationMessage {
	m := AuthorizationMessage{
		ExplicitDeny:      explicitDeny,
		MatchedStatements: items[any]{Items: []any{}},
		Failures:          items[any]{Items: []any{}},
		Context: MessageContext{
			Principal: MessagePrincipal{ID: p.UserID, ARN: p.ARN},
			Action:    action,
			Resource:  resource,
		},
	}
	keys := make([]string, 0, len(conditions))
	for k := range conditions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m.Context.Conditions.Items = []ConditionItem{}
	for _, k := range keys {
		item := ConditionItem{Key: k}
		for _, v := range conditions[k] {
			item.Values.Items = append(item.Values.Items, ValueHolder{Value: v})
		}
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, item)
	}
	return m
}

// Encode is the opaque form EC2 puts in its messages (AWS encrypts it;
// the emulator only encodes it).
func (m AuthorizationMessage) Encode() string {
	b, _ := json.Marshal(m) // plain strings and slices: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeAuthorizationMessage turns an encoded message back into AWS's
// JSON document.
func DecodeAuthorizationMessage(encoded string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return "", errors.New("the message is not one the emulator encoded")
	}
	var m AuthorizationMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return "", errors.New("the message is not one the emulator encoded")
	}
	return string(b), nil
}
