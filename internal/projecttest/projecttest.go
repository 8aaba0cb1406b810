// Package projecttest deploys the project itself (role, instance, the real
// function from lambda/, the API with /start /stop /status) on an
// in-process emulator, for tests of what a workshop student sees: traces,
// the console, the mage targets that read them.
package projecttest

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/emulatortest"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/internal/status"
	"github.com/apidriven/api-driven/provision"
)

// Function is the project's function package.
const Function = "github.com/apidriven/api-driven/lambda"

// Project is the project deployed on a running emulator.
type Project struct {
	Server  *emulator.Server
	Clients provision.Clients
	Outputs *provision.Outputs
}

// Deploy starts an emulator with opts and deploys the project on it as
// `go tool mage deploy` does; the emulator stops when the test ends.
func Deploy(t testing.TB, opts ...emulatortest.Option) Project {
	t.Helper()
	// Built before the deploy's deadline starts: linking takes long on a
	// loaded machine.
	code := lambdatest.BuildFunction(t, Function)
	srv := emulatortest.Start(t, opts...)
	c, out := DeployAt(t, srv.URL(), code)
	return Project{Server: srv, Clients: c, Outputs: out}
}

// DeployAt deploys the project with the function's zip code (from
// lambdatest.BuildFunction(t, Function)) on the emulator serving endpoint,
// in this process or another, as `go tool mage deploy` does.
func DeployAt(t testing.TB, endpoint string, code []byte) (provision.Clients, *provision.Outputs) {
	t.Helper()
	c := provision.NewClients(emulatortest.AWSConfig(t, endpoint))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	arch := "x86_64"
	if runtime.GOARCH == "arm64" {
		arch = "arm64"
	}
	out, err := provision.Deploy(ctx, c, provision.Config{
		Backend: provision.BackendEmbedded, Endpoint: endpoint, Code: code, Architecture: arch,
	}, status.Discard())
	if err != nil {
		t.Fatalf("failed to deploy the project on the emulator: %v", err)
	}
	return c, out
}
