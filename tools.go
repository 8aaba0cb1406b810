//go:build tools

// The launcher in cmd/mage builds and runs Mage; this import keeps Mage
// required in go.mod (and its sums in go.sum) for `go mod tidy`.
package tools

import _ "github.com/magefile/mage"
