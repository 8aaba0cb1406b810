package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
)

// sandbox is one function process and the Runtime API only it talks to.
type sandbox struct {
	fn        Function      // configuration it was started with
	ident     *auth.Sandbox // who its credentials say it is, and its invocation
	cmd       *exec.Cmd
	pid       int
	status    procStatus // its /proc status, for the peak memory
	srv       *http.Server
	addr      string
	logs      *logSink
	logStream string
	started   time.Time

	next chan *invocation // the invocation assigned to it, handed out at /next

	mu           sync.Mutex
	current      *invocation // delivered, no response yet
	pending      *invocation // assigned, not yet delivered (init errors fail it)
	initDone     bool
	initDuration time.Duration
	initErr      *outcome
	busy         bool
	dead         bool // exited, or stopping: never reuse
	idleTimer    *time.Timer

	exited   chan struct{} // closed once reaped
	exitErr  error
	reaped   bool
	stopOnce sync.Once
	onExit   func(*sandbox)
}

// startSandbox starts fn's bootstrap with a fresh Runtime API listener. Its
// init output goes to initTail, the tail of the invocation starting it;
// onExit runs once the process is reaped. A non-nil user runs it as that
// account.
func startSandbox(fn Function, bootstrap string, env []string, ident *auth.Sandbox, user *User, initTail *tail, onExit func(*sandbox)) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("failed to listen for the runtime API: %w", err)
	}
	logs, err := newLogSink(fn.LogPath, initTail)
	if err != nil {
		ln.Close()
		return nil, err
	}
	sb := &sandbox{
		fn:        fn,
		ident:     ident,
		addr:      ln.Addr().String(),
		logs:      logs,
		logStream: logStreamName(fn.Version),
		next:      make(chan *invocation, 1),
		exited:    make(chan struct{}),
		busy:      true, // started for an invocation
		onExit:    onExit,
	}
	sb.srv = &http.Server{Handler: sb.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sb.srv.Serve(ln) }()

	cmd := exec.Command(bootstrap)
	cmd.Dir = fn.CodeDir
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+sb.addr, "AWS_LAMBDA_LOG_STREAM_NAME="+sb.logStream)
	sort.Strings(cmd.Env)
	cmd.Stdout, cmd.Stderr = logs.w, logs.w
	setProcessGroup(cmd)
	runAs(cmd, user)
	sb.started = time.Now()
	if err := cmd.Start(); err != nil {
		sb.srv.Close()
		logs.finish(time.Second)
		if ee := execError(bootstrap, err); ee != nil {
			return nil, ee
		}
		return nil, fmt.Errorf("failed to start bootstrap: %w", err)
	}
	sb.cmd, sb.pid = cmd, cmd.Process.Pid
	sb.status = openProcStatus(sb.pid)
	go sb.watch()
	return sb, nil
}

// logStreamName is shaped like Lambda's: 2006/01/02/[$LATEST]<32 hex>.
func logStreamName(version string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/[%s]%s", time.Now().UTC().Format("2006/01/02"), version, hex.EncodeToString(b[:]))
}

// watch reaps the process and everything left in its group.
func (sb *sandbox) watch() {
	waitExited(sb.pid)
	signalGroup(sb.pid, syscall.SIGKILL) // leader gone: no orphans may stay
	err := sb.cmd.Wait()
	sb.status.close()
	if !waitsWithoutReaping {
		signalGroup(sb.pid, syscall.SIGKILL) // best effort: the pid is reaped already
	}
	sb.mu.Lock()
	sb.exitErr, sb.dead, sb.reaped = err, true, true
	busy := sb.busy
	if sb.idleTimer != nil {
		sb.idleTimer.Stop()
	}
	sb.mu.Unlock()
	sb.srv.Close() // unblocks a pending /next
	close(sb.exited)
	if !busy {
		sb.logs.finish(time.Second) // else the invocation's END is still to come
	}
	sb.onExit(sb)
}

// release ends the sandbox's current use; it reports whether it may be
// reused. A reaped sandbox's log is closed here when watch left it open.
func (sb *sandbox) release() bool {
	sb.mu.Lock()
	sb.busy = false
	reaped, dead := sb.reaped, sb.dead
	sb.mu.Unlock()
	if reaped {
		sb.logs.finish(time.Second)
	}
	return !dead
}

// stop asks the process group to terminate, kills it after grace, and waits
// until it is reaped.
func (sb *sandbox) stop(grace time.Duration) {
	sb.stopOnce.Do(func() {
		sb.mu.Lock()
		sb.dead = true
		reaped := sb.reaped
		sb.mu.Unlock()
		if reaped {
			return // its pid may already belong to another process
		}
		if grace > 0 {
			signalGroup(sb.pid, syscall.SIGTERM)
			t := time.NewTimer(grace)
			defer t.Stop()
			select {
			case <-sb.exited:
				return
			case <-t.C:
			}
		}
		signalGroup(sb.pid, syscall.SIGKILL)
	})
	<-sb.exited
}

// exitMessage describes how the process ended, as Lambda does.
func (sb *sandbox) exitMessage() string {
	sb.mu.Lock()
	err := sb.exitErr
	sb.mu.Unlock()
	var ee *exec.ExitError
	if err == nil || (errors.As(err, &ee) && ee.Success()) {
		return "Runtime exited without providing a reason"
	}
	if errors.As(err, &ee) {
		return "Runtime exited with error: " + ee.String()
	}
	return "Runtime exited with error: " + err.Error()
}

// assign hands inv to the process; it is delivered at its next /next call.
func (sb *sandbox) assign(inv *invocation) {
	sb.mu.Lock()
	if sb.initErr != nil {
		o := *sb.initErr
		sb.mu.Unlock()
		inv.finish(o)
		return
	}
	sb.pending = inv
	sb.mu.Unlock()
	sb.next <- inv // capacity 1 and the sandbox is exclusively ours: never blocks
}

// deliver is called by /next with the invocation it takes over.
func (sb *sandbox) deliver(inv *invocation) {
	now := time.Now()
	sb.mu.Lock()
	sb.pending, sb.current = nil, inv
	sb.ident.SetInvocation(inv.id)
	inv.deadline = now.Add(inv.fn.Timeout)
	inv.startedAt = now
	if !sb.initDone {
		sb.initDone = true
		sb.initDuration = now.Sub(sb.started)
		inv.initDuration = sb.initDuration
	}
	sb.mu.Unlock()
	t := inv.tail
	version := inv.fn.Version
	sb.logs.mark(func(l *logSink) {
		l.tail = t
		l.write([]byte(startLine(inv.id, version)))
	})
	close(inv.started)
}

// take ends the delivered invocation id for a /response or /error post.
func (sb *sandbox) take(id string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.current == nil || sb.current.id != id {
		return nil
	}
	inv := sb.current
	sb.current = nil
	return inv
}

// claimInit accepts an init failure only before the first /next.
func (sb *sandbox) claimInit() bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.initDone {
		return false
	}
	sb.initDone = true
	sb.initDuration = time.Since(sb.started)
	return true
}

// failInit fails the invocation waiting for this process, now or when it is
// assigned. It runs after the 202 is written: failing the invocation kills
// the process and its Runtime API.
func (sb *sandbox) failInit(o outcome) {
	sb.mu.Lock()
	sb.initErr = &o
	inv := sb.pending
	sb.pending = nil
	sb.mu.Unlock()
	if inv != nil {
		inv.finish(o)
	}
}

// environment builds the process environment exactly as Lambda does:
// unreserved defaults, then the function's variables, then reserved keys
// the function cannot override, among them the sandbox's role
// credentials. Nothing comes from the host.
func environment(fn Function, endpoint string, creds auth.Credential) []string {
	env := map[string]string{
		"TZ":   ":UTC",
		"LANG": "en_US.UTF-8",
		"PATH": "/usr/local/bin:/usr/bin:/bin",
	}
	if endpoint != "" {
		env["AWS_ENDPOINT_URL"] = endpoint
	}
	for k, v := range fn.Env {
		env[k] = v
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     fn.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + fn.Name,
		"_HANDLER":                        fn.Handler,
		"LAMBDA_TASK_ROOT":                fn.CodeDir,
		"LAMBDA_RUNTIME_DIR":              "/var/runtime",
		"AWS_REGION":                      fn.Region,
		"AWS_DEFAULT_REGION":              fn.Region,
		"AWS_ACCESS_KEY_ID":               creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           creds.SecretAccessKey,
		"AWS_SESSION_TOKEN":               creds.SessionToken,
	} {
		env[k] = v
	}
	// Set per process by startSandbox.
	delete(env, "AWS_LAMBDA_RUNTIME_API")
	delete(env, "AWS_LAMBDA_LOG_STREAM_NAME")
	out := make([]string, 0, len(env)+2)
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}
