// Command fn is the test function of the API Gateway tests. As a Lambda
// authorizer (a TOKEN or REQUEST event) it allows the token or "auth"
// query value "allow", denies "deny" and answers Unauthorized otherwise;
// as a non-proxy integration it fails with the payload's "fail" message,
// or returns {"received": payload}.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Type                  string            `json:"type"`
	AuthorizationToken    string            `json:"authorizationToken"`
	MethodArn             string            `json:"methodArn"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	Fail                  string            `json:"fail"`
}

func handle(_ context.Context, raw json.RawMessage) (any, error) {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	switch ev.Type {
	case "TOKEN", "REQUEST":
		token := ev.AuthorizationToken
		if ev.Type == "REQUEST" {
			token = ev.QueryStringParameters["auth"]
		}
		effect := map[string]string{"allow": "Allow", "deny": "Deny"}[token]
		if effect == "" {
			return nil, errors.New("Unauthorized")
		}
		return map[string]any{
			"principalId": "user-" + token,
			"policyDocument": map[string]any{
				"Version":   "2012-10-17",
				"Statement": []map[string]any{{"Action": "execute-api:Invoke", "Effect": effect, "Resource": ev.MethodArn}},
			},
			// nonce tells a cached answer from a fresh one.
			"context": map[string]any{"tier": "gold", "admin": true, "nonce": strconv.FormatInt(time.Now().UnixNano(), 10)},
		}, nil
	}
	if ev.Fail != "" {
		return nil, errors.New(ev.Fail)
	}
	return map[string]any{"received": raw}, nil
}

func main() { lambda.Start(handle) }
