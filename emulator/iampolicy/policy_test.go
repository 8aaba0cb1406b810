package iampolicy

import "testing"

// projectPolicy is the shape provision/ writes for the function's role:
// start/stop only instances tagged Project=api-driven, describe anything,
// write its own logs.
const projectPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"ControlProjectInstances","Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances"],
  "Resource":"arn:aws:ec2:*:000000000000:instance/*","Condition":{"StringEquals":{"aws:ResourceTag/Project":"api-driven"}}},
 {"Sid":"DescribeInstances","Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"},
 {"Sid":"OwnLogs","Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],
  "Resource":["arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn","arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn:*"]}]}`

const instance = "arn:aws:ec2:us-east-1:000000000000:instance/i-0123456789abcdef0"

func tags(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		policies []string
		req      Request
		want     Decision
		wantSid  string
	}{
		{"project: stop a tagged instance", []string{projectPolicy}, Request{"ec2:StopInstances", instance, tags("aws:ResourceTag/Project", "api-driven")}, Allowed, "ControlProjectInstances"},
		{"project: condition keys are case-insensitive", []string{projectPolicy}, Request{"ec2:StopInstances", instance, tags("AWS:resourcetag/project", "api-driven")}, Allowed, "ControlProjectInstances"},
		{"project: tag values are not", []string{projectPolicy}, Request{"ec2:StopInstances", instance, tags("aws:ResourceTag/Project", "API-DRIVEN")}, ImplicitDeny, ""},
		{"project: untagged instance", []string{projectPolicy}, Request{"ec2:StopInstances", instance, nil}, ImplicitDeny, ""},
		{"project: other tag value", []string{projectPolicy}, Request{"ec2:StartInstances", instance, tags("aws:ResourceTag/Project", "other")}, ImplicitDeny, ""},
		{"project: describe anything", []string{projectPolicy}, Request{"ec2:DescribeInstances", "*", nil}, Allowed, "DescribeInstances"},
		{"project: action names are case-insensitive", []string{projectPolicy}, Request{"EC2:describeinstances", "*", nil}, Allowed, "DescribeInstances"},
		{"project: terminate is not granted", []string{projectPolicy}, Request{"ec2:TerminateInstances", instance, tags("aws:ResourceTag/Project", "api-driven")}, ImplicitDeny, ""},
		{"project: another account's instance", []string{projectPolicy}, Request{"ec2:StopInstances", "arn:aws:ec2:us-east-1:111111111111:instance/i-1", tags("aws:ResourceTag/Project", "api-driven")}, ImplicitDeny, ""},
		{"project: log stream under the group", []string{projectPolicy}, Request{"logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn:log-stream:x", nil}, Allowed, "OwnLogs"},
		{"no policy denies", nil, Request{"ec2:DescribeInstances", "*", nil}, ImplicitDeny, ""},

		{"deny overrides allow", []string{
			`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			`{"Statement":[{"Sid":"NoStop","Effect":"Deny","Action":"ec2:Stop*","Resource":"*"}]}`,
		}, Request{"ec2:StopInstances", instance, nil}, ExplicitDeny, "NoStop"},
		{"deny of another action leaves the allow", []string{
			`{"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Effect":"Deny","Action":"ec2:Terminate*","Resource":"*"}]}`,
		}, Request{"ec2:StopInstances", instance, nil}, Allowed, ""},
		{"? wildcard", []string{`{"Statement":{"Effect":"Allow","Action":"iam:?etRole","Resource":"*"}}`}, Request{"iam:GetRole", "arn:aws:iam::000000000000:role/r", nil}, Allowed, ""},
		{"NotAction allows the rest", []string{`{"Statement":{"Effect":"Allow","NotAction":["iam:*","sts:*"],"Resource":"*"}}`}, Request{"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:f", nil}, Allowed, ""},
		{"NotAction excludes", []string{`{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`}, Request{"iam:CreateRole", "*", nil}, ImplicitDeny, ""},
		{"NotResource", []string{`{"Statement":{"Effect":"Deny","Action":"*","NotResource":"arn:aws:lambda:*:*:function:mine*"}}`, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}, Request{"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:other", nil}, ExplicitDeny, ""},
		{"a pattern short of six ARN segments matches nothing", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:ec2:*:instance/*"}}`}, Request{"ec2:StopInstances", instance, nil}, ImplicitDeny, ""},
		{"resource segment may hold colons", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f:*"}}`}, Request{"lambda:InvokeFunction", "arn:aws:lambda:us-east-1:000000000000:function:f:live", nil}, Allowed, ""},

		{"StringNotEquals on a present key", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-west-3"]}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:RequestedRegion", "us-east-1")}, Allowed, ""},
		{"StringNotEquals on a listed value", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-west-3"]}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:RequestedRegion", "eu-west-3")}, ImplicitDeny, ""},
		{"StringNotEquals holds when the key is absent", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:ResourceTag/env":"prod"}}}}`}, Request{"ec2:StopInstances", instance, nil}, Allowed, ""},
		{"StringLike", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"ec2:ResourceTag/Name":"web-*"}}}}`}, Request{"ec2:StopInstances", instance, tags("ec2:ResourceTag/Name", "web-1")}, Allowed, ""},
		{"StringNotLike denies others", []string{`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:sts::*:assumed-role/admin/*"}}}}`, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}, Request{"iam:DeleteRole", "*", tags("aws:PrincipalArn", "arn:aws:sts::000000000000:assumed-role/fn/x")}, ExplicitDeny, ""},
		{"StringNotLike spares the match", []string{`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:sts::*:assumed-role/admin/*"}}}}`, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}, Request{"iam:DeleteRole", "*", tags("aws:PrincipalArn", "arn:aws:sts::000000000000:assumed-role/admin/x")}, Allowed, ""},
		{"StringEqualsIgnoreCase", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/Project":"API-Driven"}}}}`}, Request{"ec2:StopInstances", instance, tags("aws:ResourceTag/Project", "api-driven")}, Allowed, ""},
		{"ArnLike", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:sts::000000000000:assumed-role/fn-*/*"}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:PrincipalArn", "arn:aws:sts::000000000000:assumed-role/fn-role/fn")}, Allowed, ""},
		{"ArnEquals mismatch", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:root"}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:PrincipalArn", "arn:aws:sts::000000000000:assumed-role/r/s")}, ImplicitDeny, ""},
		{"Bool", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:SecureTransport", "false")}, ImplicitDeny, ""},
		{"Bool true", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:SecureTransport", "TRUE")}, Allowed, ""},
		{"IfExists with the key absent", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceTag/Project":"api-driven"}}}}`}, Request{"ec2:DescribeInstances", "*", nil}, Allowed, ""},
		{"IfExists with the key present", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceTag/Project":"api-driven"}}}}`}, Request{"ec2:StopInstances", instance, tags("aws:ResourceTag/Project", "x")}, ImplicitDeny, ""},
		{"Null true needs the key absent", []string{`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Null":{"aws:ResourceTag/Project":"true"}}}}`}, Request{"ec2:StopInstances", instance, nil}, ExplicitDeny, ""},
		{"Numeric", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThanEquals":{"lambda:MemorySize":512}}}}`}, Request{"lambda:CreateFunction", "*", tags("lambda:MemorySize", "256")}, Allowed, ""},
		{"DateLessThan", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:CurrentTime", "2026-05-01T12:00:00Z")}, Allowed, ""},
		{"DateGreaterThan epoch", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:EpochTime":1893456000}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:EpochTime", "1700000000")}, ImplicitDeny, ""},
		{"IpAddress", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.1"]}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:SourceIp", "127.0.0.1")}, Allowed, ""},
		{"NotIpAddress", []string{`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`}, Request{"ec2:DescribeInstances", "*", tags("aws:SourceIp", "192.168.1.1")}, ExplicitDeny, ""},
		{"ForAnyValue", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["Project","Owner"]}}}}`}, Request{"ec2:CreateTags", instance, tags("aws:TagKeys", "Name", "aws:TagKeys", "Owner")}, Allowed, ""},
		{"ForAllValues rejects an extra value", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Project","Owner"]}}}}`}, Request{"ec2:CreateTags", instance, tags("aws:TagKeys", "Name", "aws:TagKeys", "Owner")}, ImplicitDeny, ""},
		{"ForAllValues holds on no values", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Project"]}}}}`}, Request{"ec2:CreateTags", instance, nil}, Allowed, ""},
		{"all conditions must hold", []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:ResourceTag/Project":"api-driven"}}}}`}, Request{"ec2:StopInstances", instance, tags("aws:RequestedRegion", "us-east-1")}, ImplicitDeny, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ps []*Policy
			for _, doc := range tc.policies {
				p, err := Parse(doc)
				if err != nil {
					t.Fatalf("Parse(%s): %v", doc, err)
				}
				ps = append(ps, p)
			}
			got := Evaluate(ps, tc.req)
			if got.Decision != tc.want || (tc.wantSid != "" && got.Sid != tc.wantSid) {
				t.Fatalf("Evaluate = %v (sid %q), want %v (sid %q)", got.Decision, got.Sid, tc.want, tc.wantSid)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":              `{`,
		"no statement":          `{"Version":"2012-10-17"}`,
		"empty statement list":  `{"Statement":[]}`,
		"bad effect":            `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`,
		"action and notaction":  `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"iam:*","Resource":"*"}}`,
		"no action":             `{"Statement":{"Effect":"Allow","Resource":"*"}}`,
		"no resource":           `{"Statement":{"Effect":"Allow","Action":"*"}}`,
		"action without colon":  `{"Statement":{"Effect":"Allow","Action":"StopInstances","Resource":"*"}}`,
		"unknown operator":      `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringMaybe":{"k":"v"}}}}`,
		"bad qualifier":         `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSome:StringEquals":{"k":"v"}}}}`,
		"object value":          `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"a":1}}}}}`,
		"number as action":      `{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`,
		"trailing data":         `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} {}`,
		"statement not objects": `{"Statement":["x"]}`,
	} {
		if _, err := Parse(doc); err == nil {
			t.Errorf("%s: Parse(%s) accepted it", name, doc)
		}
	}
}
