package wire

import (
	"github.com/apidriven/api-driven/emulator/protocol"
)

// NewID makes a long-form EC2 id: since 2016 AWS issues 17 hex digits, the
// first of which is always 0.
func NewID(prefix string) string {
	return protocol.HexID(prefix+"0", 16)
}

// StableID is NewID's form derived from a name, for ids that must be the
// same on every start (a region's default VPC and its parts).
func StableID(prefix, name string) string {
	return prefix + StableHex(name, 17)
}

// StableHex derives n hex digits from s (FNV-1a), for ids that must not
// change between runs.
func StableHex(s string, n int) string {
	const digits = "0123456789abcdef"
	h := uint64(14695981039346656037)
	out := make([]byte, n)
	for i := range out {
		for j := 0; j < len(s); j++ {
			h ^= uint64(s[j])
			h *= 1099511628211
		}
		h ^= uint64(i)
		h *= 1099511628211
		out[i] = digits[h>>60]
	}
	return string(out)
}

// ARN is the ARN of an EC2 resource of the account (arn:aws:ec2:region:
// account:kind/id).
func ARN(region, kind, id string) string {
	return "arn:aws:ec2:" + region + ":" + protocol.AccountID + ":" + kind + "/" + id
}
