package runtime

import (
	"context"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
)

// pool holds the processes of one function name. Processes of an older
// Revision are retired; at most cap(slots) invocations run at once and
// therefore at most that many processes exist.
type pool struct {
	m     *Manager
	name  string
	slots chan struct{}

	// Guarded by m.mu.
	revision string
	idle     []*sandbox // most recently used last
	live     map[*sandbox]struct{}
}

// acquire takes a slot (queueing while all are busy) and returns a warm
// process of fn's revision or, after beforeStart (nil: none) let it, starts
// a new one. A Result from beforeStart is returned as refused.
func (p *pool) acquire(ctx context.Context, fn Function, initTail *tail, beforeStart func() (*Result, error)) (sb *sandbox, refused *Result, err error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case <-p.m.closing:
		return nil, nil, ErrClosed
	}
	sb, err = p.warm(fn)
	if sb == nil && err == nil && beforeStart != nil {
		refused, err = beforeStart()
	}
	if sb == nil && err == nil && refused == nil {
		sb, err = p.start(fn, initTail)
	}
	if err != nil || refused != nil {
		<-p.slots
		return nil, refused, err
	}
	return sb, nil, nil
}

// warm pops an idle process of fn's revision, retiring older ones.
func (p *pool) warm(fn Function) (*sandbox, error) {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if p.revision != fn.Revision {
		p.retireLocked()
		p.revision = fn.Revision
	}
	for len(p.idle) > 0 {
		sb := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		sb.mu.Lock()
		if sb.idleTimer != nil {
			sb.idleTimer.Stop()
		}
		ok := !sb.dead
		sb.busy = ok
		sb.mu.Unlock()
		if ok {
			return sb, nil
		}
	}
	return nil, nil
}

// start cold-starts a process for fn.
func (p *pool) start(fn Function, initTail *tail) (*sandbox, error) {
	m := p.m
	bootstrap, err := checkBootstrap(fn.CodeDir)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	m.wg.Add(1) // the watcher
	endpoint := m.cfg.EndpointURL
	m.mu.Unlock()
	ident := &auth.Sandbox{FunctionARN: fn.ARN, FunctionName: fn.Name, Version: fn.Version, ID: newSandboxID()}
	creds, revoke, err := m.sandboxCredentials(fn, ident)
	if err != nil {
		m.wg.Done()
		return nil, err
	}
	sb, err := startSandbox(fn, bootstrap, environment(fn, endpoint, creds), ident, m.cfg.User, initTail, func(sb *sandbox) {
		revoke() // the process is gone: so are its credentials
		p.remove(sb)
		m.log.Debug("lambda process exited", "function", fn.Name, "sandbox", ident.ID, "pid", sb.pid, "status", sb.exitMessage())
		m.wg.Done()
	})
	if err != nil {
		revoke()
		m.wg.Done()
		return nil, err
	}
	m.log.Debug("lambda process started", "function", fn.Name, "revision", fn.Revision, "sandbox", ident.ID, "pid", sb.pid, "runtimeAPI", sb.addr)
	m.mu.Lock()
	closed := m.closed
	if !closed {
		p.live[sb] = struct{}{}
	}
	m.mu.Unlock()
	if closed {
		sb.stop(0)
		return nil, ErrClosed
	}
	return sb, nil
}

// release returns sb after an invocation: back to the idle list when it is
// healthy and current, else it is stopped.
func (p *pool) release(sb *sandbox, reusable bool) {
	defer func() { <-p.slots }() // after sb is idle, so a queued caller finds it
	if !sb.release() || !reusable {
		sb.stop(0)
		return
	}
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || sb.fn.Revision != p.revision {
		go sb.stop(0)
		return
	}
	p.idle = append(p.idle, sb)
	sb.mu.Lock()
	sb.idleTimer = time.AfterFunc(m.cfg.IdleTimeout, func() { p.reap(sb) })
	sb.mu.Unlock()
}

// reap stops sb if it is still idle.
func (p *pool) reap(sb *sandbox) {
	if p.takeIdle(sb) {
		sb.stop(0)
	}
}

func (p *pool) takeIdle(sb *sandbox) bool {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	for i, s := range p.idle {
		if s == sb {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return true
		}
	}
	return false
}

// remove forgets a reaped process.
func (p *pool) remove(sb *sandbox) {
	p.takeIdle(sb)
	p.m.mu.Lock()
	delete(p.live, sb)
	p.m.mu.Unlock()
}

// retireLocked stops idle processes now and marks busy ones so they are
// stopped when their invocation ends. m.mu is held.
func (p *pool) retireLocked() {
	for _, sb := range p.idle {
		go sb.stop(0)
	}
	p.idle = nil
	for sb := range p.live {
		sb.mu.Lock()
		sb.dead = true
		sb.mu.Unlock()
	}
}
