package authz

import (
	"testing"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/iam"
)

// fakeIAM holds one role's policy documents and counts the reads.
type fakeIAM struct {
	docs       []iam.Document
	generation uint64
	reads      int
}

func (f *fakeIAM) RolePolicies(string) ([]iam.Document, []string, bool) {
	f.reads++
	return f.docs, nil, true
}

func (f *fakeIAM) UserPolicies(string) ([]iam.Document, []string, bool) { return nil, nil, false }

func (f *fakeIAM) Generation() uint64 { return f.generation }

func TestPoliciesAreReadOncePerIAMGeneration(t *testing.T) {
	allow := func(action string) iam.Document {
		return iam.Document{Name: "inline policy p of role r", JSON: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + action + `","Resource":"*"}}`}
	}
	reader := &fakeIAM{docs: []iam.Document{allow("ec2:DescribeInstances")}}
	src := &PoliciesFromIAM{IAM: reader}
	role := auth.Principal{Kind: auth.KindAssumedRole, RoleARN: "arn:aws:iam::000000000000:role/r"}
	actionOf := func() string {
		t.Helper()
		pols, err := src.PoliciesOf(role)
		if err != nil || len(pols) != 1 || pols[0].Name != "inline policy p of role r" {
			t.Fatalf("PoliciesOf = %v, %v", pols, err)
		}
		return pols[0].Statements[0].Action[0]
	}
	actionOf()
	actionOf()
	if reader.reads != 1 {
		t.Fatalf("IAM read %d times for two calls at one generation, want once", reader.reads)
	}
	reader.docs, reader.generation = []iam.Document{allow("ec2:StopInstances")}, 1
	if got := actionOf(); got != "ec2:StopInstances" || reader.reads != 2 {
		t.Fatalf("after IAM changed: action %q after %d reads, want the new policy read again", got, reader.reads)
	}
	if _, err := src.PoliciesOf(auth.Principal{Kind: auth.KindUser, ARN: "arn:aws:iam::000000000000:user/gone"}); err != nil {
		t.Fatalf("unknown user: %v", err)
	}
}
