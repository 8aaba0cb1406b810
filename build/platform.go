// Package build compiles the Lambda function into a deterministic zip for
// the platform the chosen backend runs it on.
package build

import (
	"fmt"
	"runtime"
	"strings"
)

// Platform is the GOOS/GOARCH a function binary is built for.
type Platform struct {
	GOOS   string
	GOARCH string
	// Native: the function runs as a process of this machine (the embedded
	// emulator), not in Lambda's sandbox; it is built with NativeFlags and
	// Go's default CGO_ENABLED.
	Native bool
}

// Host is the machine mage runs on: the embedded emulator runs the
// function as a local process, so it needs a host binary.
func Host() Platform { return Platform{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, Native: true} }

// Linux is the platform of a Lambda with the given architecture
// ("x86_64" or "arm64"), as LocalStack and AWS run it.
func Linux(lambdaArch string) (Platform, error) {
	switch strings.ToLower(strings.TrimSpace(lambdaArch)) {
	case "x86_64", "amd64":
		return Platform{GOOS: "linux", GOARCH: "amd64"}, nil
	case "arm64", "aarch64":
		return Platform{GOOS: "linux", GOARCH: "arm64"}, nil
	}
	return Platform{}, fmt.Errorf("unsupported Lambda architecture %q: use x86_64 or arm64", lambdaArch)
}

// HostLambdaArch is the Lambda architecture matching this machine, so
// LocalStack runs the function natively (no emulation, no "exec format error").
func HostLambdaArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// LambdaArch is the Lambda Architectures value for p.
func (p Platform) LambdaArch() string {
	if p.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

func (p Platform) String() string { return p.GOOS + "/" + p.GOARCH }
