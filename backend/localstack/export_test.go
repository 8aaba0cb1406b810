package localstack

import "context"

// StartCLI runs the CLI's start and readiness wait on any port, so tests
// need not take 4566.
func (p *Provider) StartCLI(ctx context.Context, bin string) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	return p.startCLI(ctx, cli, bin)
}

// PipErrors is pipErrors, for tests.
var PipErrors = pipErrors
