package runtime

import (
	"fmt"
	"time"

	"github.com/apidriven/api-driven/emulator/trace"
)

// logWait bounds how long an invocation waits for its output to be copied.
const logWait = 2 * time.Second

// supervise runs inv on sb: it enforces the init limit and the function
// timeout, notices crashes, writes the END/REPORT lines and gives sb back to
// the pool. It returns nil when a warm process had died before taking inv,
// so the caller retries on a fresh one.
func (m *Manager) supervise(p *pool, sb *sandbox, inv *invocation) *Result {
	sb.mu.Lock()
	warm := sb.initDone
	sb.mu.Unlock()
	sb.assign(inv)

	initTimer := time.NewTimer(m.cfg.InitTimeout)
	select {
	case <-inv.started:
	case <-inv.done:
	case <-sb.exited:
		if warm && !closed(inv.started) {
			p.release(sb, false)
			return nil
		}
		inv.finish(runtimeFailure(inv.id, "Runtime.ExitError", sb.exitMessage(), true))
	case <-initTimer.C:
		inv.finish(runtimeFailure(inv.id, "Sandbox.Timedout",
			fmt.Sprintf("Runtime did not ask for the invocation within %.2f seconds (init timeout)", m.cfg.InitTimeout.Seconds()), true))
	}
	initTimer.Stop()
	started := closed(inv.started)
	if started && !closed(inv.done) {
		timer := time.NewTimer(time.Until(inv.deadline))
		select {
		case <-inv.done:
		case <-sb.exited:
			inv.finish(runtimeFailure(inv.id, "Runtime.ExitError", sb.exitMessage(), true))
		case <-timer.C:
			inv.finish(timeoutOutcome(inv))
		}
		timer.Stop()
	}
	out := inv.out
	sb.ident.SetInvocation("") // calls from here on belong to no invocation

	rep := report{requestID: inv.id, init: inv.initDuration, memoryMB: inv.fn.MemoryMB}
	if started {
		rep.duration = inv.doneAt.Sub(inv.startedAt)
	}
	inv.span.Ran(trace.Run{
		Sandbox: sb.ident.ID, Cold: !warm, InitStart: sb.started, Init: inv.initDuration,
		HandlerStart: inv.startedAt, Handler: rep.duration, ErrorType: out.errorType,
	})
	logged := rep // the log action's own copy: it may run after we return
	if out.fatal {
		logged.maxMemMB = sb.status.peakMemoryMB() // read /proc before the kill
		sb.stop(0)                                 // kill the group first: no output after the timeout line
	}
	prefix := ""
	if !started {
		prefix = startLine(inv.id, inv.fn.Version)
	}
	written := make(chan struct{})
	t, status := inv.tail, sb.status
	sb.logs.mark(func(l *logSink) {
		if logged.maxMemMB == 0 {
			logged.maxMemMB = status.peakMemoryMB()
		}
		l.tail = t
		l.write([]byte(prefix + out.logLines + endLine(inv.id) + logged.String()))
		l.tail = nil
		inv.span.Logged(t.String(), logged.maxMemMB)
		close(written)
	})
	logTail := ""
	if inv.wantTail {
		wait := time.NewTimer(logWait)
		select {
		case <-written:
		case <-wait.C:
			m.log.Warn("function output not drained in time", "function", inv.fn.Name, "requestId", inv.id)
		}
		wait.Stop()
		sb.logs.writeMu.Lock()
		logTail = t.String()
		sb.logs.writeMu.Unlock()
	}

	p.release(sb, !out.fatal)
	res := inv.result(rep, logTail)
	res.SandboxID = sb.ident.ID
	return res
}

func (inv *invocation) result(rep report, logTail string) *Result {
	res := &Result{
		Payload:      inv.out.payload,
		RequestID:    inv.id,
		ErrorType:    inv.out.errorType,
		LogTail:      logTail,
		Duration:     rep.duration,
		InitDuration: rep.init,
	}
	if inv.out.errorType != "" {
		res.FunctionError = "Unhandled"
	}
	return res
}

// failedStart reports a bootstrap that cannot run, logging it like an
// invocation so the function log shows why.
func (m *Manager) failedStart(inv *invocation, ee *entrypointError) *Result {
	out := runtimeFailure(inv.id, "Runtime.InvalidEntrypoint", ee.msg, true)
	inv.finish(out)
	rep := report{requestID: inv.id, memoryMB: inv.fn.MemoryMB}
	lines := startLine(inv.id, inv.fn.Version) + out.logLines + endLine(inv.id) + rep.String()
	_, _ = inv.tail.Write([]byte(lines))
	inv.span.Ran(trace.Run{Cold: true, ErrorType: out.errorType})
	inv.span.Logged(inv.tail.String(), 0)
	if f, err := openLog(inv.fn.LogPath); err != nil {
		m.log.Warn("failed to write function log", "function", inv.fn.Name, "err", err)
	} else if f != nil {
		_, _ = f.WriteString(lines)
		f.Close()
	}
	return inv.result(rep, inv.tail.String())
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
