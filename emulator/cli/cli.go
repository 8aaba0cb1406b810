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
	"strconv"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/console"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
	"github.com/apidriven/api-driven/emulator/trace"
)

// DefaultLambdaUpdateDelay is how long a Lambda update stays InProgress by
// default: enough for waiters to see it, little for a save to wait on.
const DefaultLambdaUpdateDelay = 200 * time.Millisecond

// Run parses args (and AWSEMU_* variables) and serves until ctx is done.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("awsemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr("AWSEMU_ADDR", emulator.DefaultAddr), "listen address (env AWSEMU_ADDR)")
	dataDir := fs.String("data-dir", os.Getenv("AWSEMU_DATA_DIR"), "persist state here; empty keeps it in memory (env AWSEMU_DATA_DIR)")
	delay := fs.Duration("transition-delay", envDuration("AWSEMU_TRANSITION_DELAY", time.Second), "how long EC2 pending/stopping and Lambda Pending last (env AWSEMU_TRANSITION_DELAY)")
	updateDelay := fs.Duration("lambda-update-delay", envDuration("AWSEMU_LAMBDA_UPDATE_DELAY", DefaultLambdaUpdateDelay), "how long a Lambda function's LastUpdateStatus stays InProgress after an update; at most -transition-delay unless set (env AWSEMU_LAMBDA_UPDATE_DELAY)")
	ec2Containers := fs.Bool("ec2-containers", envBool("AWSEMU_EC2_CONTAINERS"), "run EC2 instances of container AMIs (local Docker images labelled io.github.apidriven.ami=true) as real containers; needs Docker (env AWSEMU_EC2_CONTAINERS=1)")
	ec2Network := fs.String("ec2-container-network", envOr("AWSEMU_EC2_CONTAINER_NETWORK", "bridge"), "Docker network of -ec2-containers instances (env AWSEMU_EC2_CONTAINER_NETWORK)")
	traceRing := fs.Int("trace-ring", envInt("AWSEMU_TRACE_RING", trace.DefaultCapacity), "how many stage-URL requests keep their trace for the console and `go tool mage trace`; 0 turns tracing off (env AWSEMU_TRACE_RING)")
	logLevel := fs.String("log-level", envOr("AWSEMU_LOG_LEVEL", "info"), "debug, info, warn or error (env AWSEMU_LOG_LEVEL)")
	enforceIAM := fs.Bool("enforce-iam", envBool("ENFORCE_IAM") || envBool("AWSEMU_ENFORCE_IAM"), "strict IAM: every call must carry a valid SigV4 signature from known credentials (test/test is the root) and every other caller's policies are evaluated; function sandboxes' calls are evaluated in any mode (env ENFORCE_IAM=1, as LocalStack)")
	iamSoft := fs.Bool("iam-soft-mode", envBool("IAM_SOFT_MODE") || envBool("AWSEMU_IAM_SOFT_MODE"), "log IAM denials instead of enforcing them (env IAM_SOFT_MODE=1, as LocalStack)")
	pf := perimeterFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	*updateDelay = lambdaUpdateDelay(*updateDelay, *delay, flagSet(fs, "lambda-update-delay", "AWSEMU_LAMBDA_UPDATE_DELAY"))
	if *traceRing < 0 {
		return fmt.Errorf("invalid -trace-ring %d: use a number of requests, or 0 to turn tracing off", *traceRing)
	}
	if *traceRing == 0 {
		*traceRing = -1 // Config's "off"
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: use debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := runtime.HideFromFunctions(); err != nil {
		logger.Warn("functions of this user could read the emulator's memory and environment", "err", err)
	}
	start := time.Now()
	cfg := emulator.Config{
		Addr: *addr, DataDir: *dataDir, TransitionDelay: *delay, LambdaUpdateDelay: *updateDelay, Logger: logger,
		EC2Containers: *ec2Containers, EC2ContainerNetwork: *ec2Network, TraceRing: *traceRing,
		EnforceIAM: *enforceIAM, IAMSoftMode: *iamSoft,
	}
	if err := pf.apply(&cfg); err != nil {
		return err
	}
	srv, err := emulator.Start(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "awsemu ready on %s in %s (data dir: %s)\n", srv.URL(), time.Since(start).Round(time.Millisecond), orMemory(*dataDir))
	pf.report(stdout, srv)
	fmt.Fprintf(stdout, "console: %s%s\n", srv.URL(), console.Prefix)
	if *ec2Containers {
		fmt.Fprintf(stdout, "EC2 instances of container AMIs run as Docker containers (list them: aws ec2 describe-images --owners self)\n")
	}
	fmt.Fprintln(stdout, iamMode(*enforceIAM, *iamSoft))
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// ExitMessage is how the command reports the error it stops on: a line
// "awsemu: <cause>", then "  → <fix>" when the error knows the way out
// (backend/embedded shows both when the emulator exits during start-up).
func ExitMessage(err error) string {
	msg := "awsemu: " + err.Error() + "\n"
	var fixer interface{ Fix() string }
	if errors.As(err, &fixer) {
		msg += "  → " + fixer.Fix() + "\n"
	}
	return msg
}

// iamMode says in one line what is enforced.
func iamMode(strict, soft bool) string {
	mode := "IAM: function roles enforced; other callers act as the account root (strict mode: -enforce-iam or ENFORCE_IAM=1)"
	if strict {
		mode = "IAM: strict, every call must be signed by known credentials (test/test is the root) and policies are enforced"
	}
	if soft {
		mode += "; soft mode: denials are logged, not enforced"
	}
	return mode
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

// envBool reads 1/true/yes (any case) as true.
func envBool(key string) bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(key))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv(key))); err == nil {
		return n
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// lambdaUpdateDelay is the update delay to use: as given, else the default
// but never longer than the transition delay (-transition-delay 0 makes
// everything instant).
func lambdaUpdateDelay(update, transition time.Duration, given bool) time.Duration {
	if given {
		return update
	}
	return min(update, transition)
}

// flagSet reports whether the flag name was given, on the command line or
// in its environment variable.
func flagSet(fs *flag.FlagSet, name, env string) bool {
	set := os.Getenv(env) != ""
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
