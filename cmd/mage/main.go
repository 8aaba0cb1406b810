// Command mage is what `go tool mage` runs in this repository: a launcher
// that finds the module root, shows progress while Mage compiles the targets
// (minutes on an empty Go build cache), then runs Mage
// (github.com/magefile/mage) with the same arguments. See internal/launcher.
package main

import (
	"os"

	"github.com/apidriven/api-driven/internal/launcher"
)

func main() { os.Exit(launcher.New().Run(os.Args[1:])) }
