package protocol

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Regions are the regions of the aws partition, as botocore's
// endpoints.json lists them. A request signed for any other region is
// refused: the emulator answers for the aws partition only (its ARNs say
// arn:aws:), and a typo such as us-east1 must not silently open a new,
// empty region.
var Regions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
	"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
}

// KnownRegion reports whether name is a region of the aws partition.
func KnownRegion(name string) bool {
	_, found := slices.BinarySearch(Regions, name)
	return found
}

// UnknownRegion is the answer to a request signed for a region that does
// not exist. AWS refuses such a credential scope with "Credential should
// be scoped to a valid region"; the code is the signing error of the
// service's protocol: AuthFailure (401) for EC2, SignatureDoesNotMatch
// (403) for IAM and STS, InvalidSignatureException (403) for the
// REST-JSON services. The message suggests the closest real region.
func UnknownRegion(service, region string) *Error {
	msg := fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", region)
	if otherPartition(region) {
		msg += " This emulator serves the regions of the aws partition only (China, GovCloud and ISO regions are not emulated)."
	} else if near := closestRegion(region); near != "" {
		msg += fmt.Sprintf(" Did you mean %s? Set it with: aws configure set region %s (or export AWS_REGION=%s).", near, near, near)
	}
	switch service {
	case "ec2":
		return &Error{Status: http.StatusUnauthorized, Code: "AuthFailure", Message: msg}
	case "iam", "sts":
		return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch", Message: msg}
	}
	return &Error{Status: http.StatusForbidden, Code: "InvalidSignatureException", Message: msg}
}

// otherPartition reports a region of the China, GovCloud, ISO or European
// sovereign partitions.
func otherPartition(name string) bool {
	for _, p := range []string{"cn-", "us-gov-", "us-iso", "eu-iso", "eusc-"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// closestRegion is the known region at the smallest edit distance from
// name, when that distance is small enough to be a typo.
func closestRegion(name string) string {
	if otherPartition(name) {
		return ""
	}
	best, bestDist := "", 4
	for _, r := range Regions {
		if d := editDistance(name, r); d < bestDist {
			best, bestDist = r, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
