// Package emulatortest starts an in-process emulator for tests and gives
// aws-sdk-go-v2 configurations that point at it.
package emulatortest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/internal/sdkhttp"
)

// Region is the region the test configurations use.
const Region = "us-east-1"

// Option adjusts the emulator configuration.
type Option func(*emulator.Config)

// WithDataDir persists state in dir. Test directories are private (0700);
// dir and its parents under the temp dir are made searchable, as a
// project's .apidriven/ is, so that functions running as nobody (the
// tests run as root in CI) find their code under dir/lambda-work, where
// tests look for it, rather than in a temporary directory.
func WithDataDir(dir string) Option {
	return func(c *emulator.Config) {
		c.DataDir = dir
		tmp := filepath.Clean(os.TempDir())
		for p := filepath.Clean(dir); strings.HasPrefix(p, tmp+string(filepath.Separator)); p = filepath.Dir(p) {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				_ = os.Chmod(p, st.Mode().Perm()|0o011)
			}
		}
	}
}

// WithTransitionDelay sets the EC2/Lambda transition delays, Lambda
// updates' included (0 by default in tests).
func WithTransitionDelay(d time.Duration) Option {
	return func(c *emulator.Config) { c.TransitionDelay, c.LambdaUpdateDelay = d, d }
}

// WithEnforceIAM turns strict mode on: every call must be signed by known
// credentials (the test configurations' test/test are the root's) and
// every non-root caller's policies are evaluated.
func WithEnforceIAM() Option { return func(c *emulator.Config) { c.EnforceIAM = true } }

// Start serves an emulator on a free loopback port until the test ends.
func Start(t testing.TB, opts ...Option) *emulator.Server {
	t.Helper()
	cfg := emulator.Config{Addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := emulator.Start(cfg)
	if err != nil {
		t.Fatalf("failed to start emulator: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("emulator shutdown: %v", err)
		}
	})
	return srv
}

// AWSConfig is an SDK configuration for endpoint with static test
// credentials, as a user of the emulator would write it.
func AWSConfig(t testing.TB, endpoint string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		config.WithBaseEndpoint(endpoint),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		t.Fatalf("failed to load AWS config: %v", err)
	}
	sdkhttp.Install(&cfg)
	return cfg
}

// Context is a per-call context with a timeout, as the standards require.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
