package cli

import (
	"flag"
	"testing"
	"time"
)

func TestLambdaUpdateDelay(t *testing.T) {
	tests := []struct {
		args []string
		env  string
		want time.Duration
	}{
		{nil, "", DefaultLambdaUpdateDelay},
		{[]string{"-transition-delay", "50ms"}, "", 50 * time.Millisecond},
		{[]string{"-transition-delay", "0"}, "", 0},
		{[]string{"-transition-delay", "0", "-lambda-update-delay", "300ms"}, "", 300 * time.Millisecond},
		{[]string{"-lambda-update-delay", "2s"}, "", 2 * time.Second},
		{[]string{"-transition-delay", "50ms"}, "1s", time.Second},
	}
	for _, tt := range tests {
		t.Setenv("AWSEMU_LAMBDA_UPDATE_DELAY", tt.env)
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		delay := fs.Duration("transition-delay", time.Second, "")
		update := fs.Duration("lambda-update-delay", envDuration("AWSEMU_LAMBDA_UPDATE_DELAY", DefaultLambdaUpdateDelay), "")
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if got := lambdaUpdateDelay(*update, *delay, flagSet(fs, "lambda-update-delay", "AWSEMU_LAMBDA_UPDATE_DELAY")); got != tt.want {
			t.Errorf("%v with AWSEMU_LAMBDA_UPDATE_DELAY=%q: %s, want %s", tt.args, tt.env, got, tt.want)
		}
	}
}
