package iampolicy

import "testing"

// FuzzParseEvaluate holds the parser and evaluator to IAM's rules for any
// document and request: no panic, deterministic answers, an explicit Deny
// of everything always wins, and an Allow's mirror-image Deny applies
// exactly when the Allow does.
func FuzzParseEvaluate(f *testing.F) {
	f.Add(projectPolicy, "ec2:StopInstances", instance, "aws:ResourceTag/Project", "api-driven")
	f.Add(`{"Statement":{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::b/*"}}`, "s3:GetObject", "arn:aws:s3:::b/k", "", "")
	f.Add(`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["a*","?b"]},"Null":{"k":"false"}}}]}`, "ec2:CreateTags", "*", "aws:TagKeys", "ab")
	f.Add(`{"Statement":{"Effect":"Allow","Action":"a:*","Resource":"*","Condition":{"NumericGreaterThan":{"n":1.5},"Bool":{"b":[true,false]}}}}`, "a:b", "*", "n", "2")
	f.Fuzz(func(t *testing.T, doc, action, resource, key, value string) {
		p, err := Parse(doc)
		if err != nil {
			if _, err2 := Parse(doc); err2 == nil {
				t.Fatal("Parse is not deterministic")
			}
			return
		}
		req := Request{Action: action, Resource: resource, Context: map[string][]string{key: {value}}}
		got := Evaluate([]*Policy{p}, req)
		if again := Evaluate([]*Policy{p}, req); again != got {
			t.Fatalf("Evaluate is not deterministic: %v then %v", got, again)
		}
		denyAll, _ := Parse(`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`)
		if d := Evaluate([]*Policy{p, denyAll}, req).Decision; d != ExplicitDeny {
			t.Fatalf("a Deny of everything did not win: %v", d)
		}
		for i, s := range p.Statements {
			if s.Effect != Allow {
				continue
			}
			mirror := s
			mirror.Effect = Deny
			allowed := Evaluate([]*Policy{{Statements: []Statement{s}}}, req).Decision == Allowed
			denied := Evaluate([]*Policy{{Statements: []Statement{mirror}}}, req).Decision == ExplicitDeny
			if allowed != denied {
				t.Fatalf("statement %d: allow applies=%v but its deny applies=%v", i, allowed, denied)
			}
		}
	})
}
