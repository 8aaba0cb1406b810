package lambda

import "testing"

func TestArnLike(t *testing.T) {
	const src = "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/pets/{id}"
	tests := []struct {
		pattern string
		want    bool
	}{
		{"arn:aws:execute-api:us-east-1:000000000000:abc123/*/*/*", true},
		{"arn:aws:execute-api:us-east-1:000000000000:abc123/*", true},
		{"arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/pets/*", true},
		{"arn:aws:execute-api:*:*:abc123/*", true},
		{"arn:aws:execute-api:us-east-1:000000000000:abc123/prod/POST/*", false},
		{"arn:aws:execute-api:us-east-1:000000000000:other/*", false},
		{"arn:aws:execute-api:eu-west-1:000000000000:abc123/*", false},
		{"arn:aws:execute-api:us-east-1:000000000000:abc12?/prod/GET/pets/{id}", true},
		{"arn:aws:execute-api:us-east-1:abc123/*", false},
	}
	for _, tt := range tests {
		if got := arnLike(tt.pattern, src); got != tt.want {
			t.Errorf("arnLike(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestConditionsMatch(t *testing.T) {
	src := "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/x"
	if !conditionsMatch(nil, src, "000000000000") {
		t.Fatal("no condition must match")
	}
	if !conditionsMatch(map[string]map[string]string{"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/*"}, "StringEquals": {"AWS:SourceAccount": "000000000000"}}, src, "000000000000") {
		t.Fatal("matching source ARN and account must match")
	}
	if conditionsMatch(map[string]map[string]string{"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, src, "000000000000") {
		t.Fatal("an organization condition cannot hold for a service")
	}
}
