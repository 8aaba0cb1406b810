package provision

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

func TestTrustPolicy(t *testing.T) {
	var doc policyDoc
	if err := json.Unmarshal([]byte(trustPolicy()), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 1 {
		t.Fatalf("statements %+v", doc.Statement)
	}
	s := doc.Statement[0]
	if s.Effect != "Allow" || s.Action != "sts:AssumeRole" || s.Principal["Service"] != "lambda.amazonaws.com" {
		t.Errorf("trust statement %+v", s)
	}
}

func TestControlPolicy(t *testing.T) {
	cfg := Config{}.withDefaults("eu-west-1")
	raw := controlPolicy(cfg, identity{Account: "111122223333", Partition: "aws"})
	var doc struct {
		Version   string
		Statement []struct {
			Sid       string
			Effect    string
			Action    any
			Resource  any
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2012-10-17" {
		t.Errorf("version %q", doc.Version)
	}
	bySid := map[string]int{}
	for i, s := range doc.Statement {
		bySid[s.Sid] = i
		if s.Effect != "Allow" {
			t.Errorf("%s: effect %s", s.Sid, s.Effect)
		}
	}
	ctl := doc.Statement[bySid["ControlProjectInstances"]]
	if !reflect.DeepEqual(ctl.Action, []any{"ec2:StartInstances", "ec2:StopInstances"}) {
		t.Errorf("control actions %v", ctl.Action)
	}
	if ctl.Resource != "arn:aws:ec2:*:111122223333:instance/*" {
		t.Errorf("control resource %v", ctl.Resource)
	}
	if got := ctl.Condition["StringEquals"]["aws:ResourceTag/Project"]; got != "api-driven" {
		t.Errorf("control condition %v", ctl.Condition)
	}
	desc := doc.Statement[bySid["DescribeInstances"]]
	if desc.Action != "ec2:DescribeInstances" || desc.Resource != "*" || desc.Condition != nil {
		t.Errorf("describe statement %+v", desc)
	}
	logs := doc.Statement[bySid["OwnLogs"]]
	want := []any{"arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/apidriven-ec2",
		"arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/apidriven-ec2:*"}
	if !reflect.DeepEqual(logs.Resource, want) {
		t.Errorf("logs resources %v", logs.Resource)
	}
	// No statement grants anything beyond these three.
	if len(doc.Statement) != 3 {
		t.Errorf("%d statements", len(doc.Statement))
	}
}

func TestSameJSON(t *testing.T) {
	want := trustPolicy()
	tests := []struct {
		name, stored string
		same         bool
	}{
		{"identical", want, true},
		{"url-encoded as IAM returns it", url.PathEscape(want), true},
		{"reformatted", `{ "Statement": [ {"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}} ], "Version": "2012-10-17" }`, true},
		{"other principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, false},
		{"garbage", "%%%not json", false},
	}
	for _, tc := range tests {
		if got := sameJSON(tc.stored, want); got != tc.same {
			t.Errorf("%s: sameJSON = %v", tc.name, got)
		}
	}
}
