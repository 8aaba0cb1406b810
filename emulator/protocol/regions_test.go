package protocol

import (
	"slices"
	"testing"
)

func TestRegions(t *testing.T) {
	if !slices.IsSorted(Regions) {
		t.Fatal("Regions must stay sorted for KnownRegion's binary search")
	}
	tests := []struct {
		region  string
		known   bool
		closest string
	}{
		{"us-east-1", true, "us-east-1"},
		{"eu-west-3", true, "eu-west-3"},
		{"us-east1", false, "us-east-1"},
		{"eu-west-01", false, "eu-west-1"},
		{"useast-1", false, "us-east-1"},
		{"mars-north-1", false, ""},
		{"cn-north-1", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		if got := KnownRegion(tt.region); got != tt.known {
			t.Errorf("KnownRegion(%q) = %v, want %v", tt.region, got, tt.known)
		}
		if got := closestRegion(tt.region); got != tt.closest && !tt.known {
			t.Errorf("closestRegion(%q) = %q, want %q", tt.region, got, tt.closest)
		}
	}
	for service, code := range map[string]string{"ec2": "AuthFailure", "iam": "SignatureDoesNotMatch", "sts": "SignatureDoesNotMatch", "lambda": "InvalidSignatureException", "apigateway": "InvalidSignatureException"} {
		if e := UnknownRegion(service, "us-east1"); e.Code != code || e.Status < 400 || e.Status >= 500 {
			t.Errorf("UnknownRegion(%s) = %d %s, want a 4xx %s", service, e.Status, e.Code, code)
		}
	}
}
