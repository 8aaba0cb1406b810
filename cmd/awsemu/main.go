// Command awsemu serves the embedded AWS emulator (EC2, IAM, STS, Lambda,
// API Gateway) on LocalStack's port.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/apidriven/api-driven/emulator/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprint(os.Stderr, cli.ExitMessage(err))
		os.Exit(1)
	}
}
