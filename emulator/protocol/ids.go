package protocol

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// AccountID is the account every emulated resource belongs to, as in LocalStack.
const AccountID = "000000000000"

// DefaultRegion is used when a request carries no SigV4 scope.
const DefaultRegion = "us-east-1"

// RequestID returns a fresh request id in AWS's UUID form.
func RequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// HexID returns prefix followed by n random lowercase hex digits, the form of
// EC2 ids such as i-0123456789abcdef0 (n = 17).
func HexID(prefix string, n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)[:n]
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// AlnumID returns n random lowercase alphanumerics, the form of API Gateway
// ids (10 characters) and IAM unique-id suffixes.
func AlnumID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// UpperAlnumID returns n random uppercase alphanumerics, as in IAM unique ids
// (AROA...) and access keys.
func UpperAlnumID(n int) string {
	b := []byte(AlnumID(n))
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
