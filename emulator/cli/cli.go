// Package cli is the awsemu command: flags and environment, serving until
// the context ends, then a clean shutdown that reaps function processes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator"
)

// Run parses args (and AWSEMU_* variables) and serves until ctx is done.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("awsemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr("AWSEMU_ADDR", emulator.DefaultAddr), "listen address (env AWSEMU_ADDR)")
	dataDir := fs.String("data-dir", os.Getenv("AWSEMU_DATA_DIR"), "persist state here; empty keeps it in memory (env AWSEMU_DATA_DIR)")
	delay := fs.Duration("transition-delay", envDuration("AWSEMU_TRANSITION_DELAY", time.Second), "how long EC2 pending/stopping and Lambda Pending last (env AWSEMU_TRANSITION_DELAY)")
	logLevel := fs.String("log-level", envOr("AWSEMU_LOG_LEVEL", "info"), "debug, info, warn or error (env AWSEMU_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: use debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	start := time.Now()
	srv, err := emulator.Start(emulator.Config{Addr: *addr, DataDir: *dataDir, TransitionDelay: *delay, Logger: logger})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "awsemu ready on %s in %s (data dir: %s)\n", srv.URL(), time.Since(start).Round(time.Millisecond), orMemory(*dataDir))
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func orMemory(dir string) string {
	if dir == "" {
		return "none, state in memory"
	}
	return dir
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}
