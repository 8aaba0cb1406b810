// Package checkout names what one clone of the repository owns on a
// shared Docker engine: two checkouts (two CI jobs, two clones) each get
// their own container and image names and labels, so neither ever
// touches the other's.
package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
)

// Label on the project's containers and images: the ID of the checkout
// that created them.
const Label = "io.github.apidriven.checkout"

// ID is the first 8 hex digits of the SHA-256 of the checkout's absolute
// path, symbolic links resolved: stable for one checkout, different for
// two.
func ID(root string) string {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	sum := sha256.Sum256([]byte(root))
	return hex.EncodeToString(sum[:4])
}
