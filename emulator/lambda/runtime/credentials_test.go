package runtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/lambda/lambdatest"
	"github.com/apidriven/api-driven/emulator/lambda/runtime"
)

// registryIssuer is the emulator's issuer in miniature: role sessions in
// a real auth.Registry, named after the function.
type registryIssuer struct {
	reg *auth.Registry
	mu  sync.Mutex
	got []*auth.Sandbox
}

func (i *registryIssuer) IssueSandboxCredentials(fn runtime.Function, sb *auth.Sandbox) (auth.Credential, error) {
	i.mu.Lock()
	i.got = append(i.got, sb)
	i.mu.Unlock()
	return i.reg.IssueRoleSession(fn.Role, "AROATESTROLE", fn.Name, time.Hour, sb)
}

func (i *registryIssuer) Revoke(key string) { i.reg.Revoke(key) }

func decode(t *testing.T, res *runtime.Result) lambdatest.ProbeOutput {
	t.Helper()
	var out lambdatest.ProbeOutput
	if res.FunctionError != "" || json.Unmarshal(res.Payload, &out) != nil {
		t.Fatalf("probe failed: %s %s", res.FunctionError, res.Payload)
	}
	return out
}

func TestSandboxGetsItsRoleCredentialsUntilItExits(t *testing.T) {
	issuer := &registryIssuer{reg: auth.NewRegistry()}
	m := newManager(t, runtime.Config{Credentials: issuer})
	fn := probeFunction(t, "creds")
	fn.Role = "arn:aws:iam::000000000000:role/service-role/fn-role"

	res := invoke(t, m, fn, lambdatest.ProbeCommand{Env: true})
	out := decode(t, res)
	key := out.Env["AWS_ACCESS_KEY_ID"]
	if !strings.HasPrefix(key, "ASIA") || len(key) != 20 {
		t.Fatalf("AWS_ACCESS_KEY_ID = %q, want an ASIA… temporary key", key)
	}
	cred, ok := issuer.reg.Lookup(key)
	if !ok || out.Env["AWS_SECRET_ACCESS_KEY"] != cred.SecretAccessKey || out.Env["AWS_SESSION_TOKEN"] != cred.SessionToken {
		t.Fatalf("the environment's credentials are not the registered ones (known: %v)", ok)
	}
	p := cred.Principal
	if p.ARN != "arn:aws:sts::000000000000:assumed-role/fn-role/creds" || p.RoleARN != fn.Role {
		t.Fatalf("principal %+v", p)
	}
	if p.Sandbox == nil || p.Sandbox.FunctionARN != fn.ARN || p.Sandbox.Version != "$LATEST" || p.Sandbox.ID != res.SandboxID || res.SandboxID == "" {
		t.Fatalf("sandbox link %+v, result sandbox %q", p.Sandbox, res.SandboxID)
	}
	if inv := p.Sandbox.Invocation(); inv != "" {
		t.Fatalf("invocation %q still current after it ended", inv)
	}

	// A warm call reuses the sandbox and its credentials.
	again := decode(t, invoke(t, m, fn, lambdatest.ProbeCommand{Env: true}))
	if again.Env["AWS_ACCESS_KEY_ID"] != key {
		t.Fatalf("warm sandbox got new credentials %s", again.Env["AWS_ACCESS_KEY_ID"])
	}

	// Evicted, the process exits and its key is revoked.
	m.Evict(fn.ARN)
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := retry.Do(c, retry.WithCappedDuration(200*time.Millisecond, retry.NewExponential(10*time.Millisecond)), func(context.Context) error {
		if _, ok := issuer.reg.Lookup(key); ok {
			return retry.RetryableError(context.DeadlineExceeded)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("credentials of an exited sandbox still registered: %v", err)
	}
}

func TestInvocationIsCurrentWhileItRuns(t *testing.T) {
	issuer := &registryIssuer{reg: auth.NewRegistry()}
	m := newManager(t, runtime.Config{Credentials: issuer})
	fn := probeFunction(t, "current")
	fn.Role = "arn:aws:iam::000000000000:role/r"
	done := make(chan *runtime.Result, 1)
	go func() {
		res, err := m.Invoke(ctx(t), fn, []byte(`{"sleepMs":1500}`))
		if err != nil {
			res = &runtime.Result{}
		}
		done <- res
	}()

	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := ""
	_ = retry.Do(c, retry.WithCappedDuration(50*time.Millisecond, retry.NewConstant(5*time.Millisecond)), func(context.Context) error {
		issuer.mu.Lock()
		defer issuer.mu.Unlock()
		if len(issuer.got) == 0 || issuer.got[0].Invocation() == "" {
			return retry.RetryableError(context.DeadlineExceeded)
		}
		seen = issuer.got[0].Invocation()
		return nil
	})
	res := <-done
	if seen == "" || seen != res.RequestID {
		t.Fatalf("sandbox reported invocation %q while running, the invocation was %q", seen, res.RequestID)
	}
}
