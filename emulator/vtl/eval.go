package vtl

import (
	"errors"
	"fmt"
	"strings"
)

// Limits bound one rendering; zero fields take the defaults.
type Limits struct {
	// MaxOutput bounds the output and every string built (10 MB, API
	// Gateway's payload limit).
	MaxOutput int
	// MaxLoop bounds the iterations of one #foreach (1,000 in API Gateway).
	MaxLoop int
	// MaxSteps bounds the nodes and expressions evaluated in total.
	MaxSteps int
	// MaxItems bounds the size of any list or map built.
	MaxItems int
}

const (
	defaultMaxOutput = 10 << 20
	defaultMaxLoop   = 1000
	defaultMaxSteps  = 1_000_000
	defaultMaxItems  = 100_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxOutput <= 0 {
		l.MaxOutput = defaultMaxOutput
	}
	if l.MaxLoop <= 0 {
		l.MaxLoop = defaultMaxLoop
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = defaultMaxSteps
	}
	if l.MaxItems <= 0 {
		l.MaxItems = defaultMaxItems
	}
	return l
}

// LimitError is a rendering stopped by one of the Limits.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return "vtl: " + e.Msg }

// EvalError is a failure while rendering (a failing method, a bad index).
type EvalError struct{ Msg string }

func (e *EvalError) Error() string { return "vtl: " + e.Msg }

var (
	errBreak = errors.New("#break")
	errStop  = errors.New("#stop")
)

type renderer struct {
	vars   map[string]any
	out    strings.Builder
	limits Limits
	steps  int
}

// Render evaluates the template with vars (not modified: #set writes to a
// copy) and returns the output.
func (t *Template) Render(vars map[string]any, limits Limits) (string, error) {
	r := &renderer{vars: make(map[string]any, len(vars)), limits: limits.withDefaults()}
	for k, v := range vars {
		r.vars[k] = normalize(v)
	}
	err := r.nodes(t.nodes, &r.out)
	if err != nil && !errors.Is(err, errStop) {
		if errors.Is(err, errBreak) {
			// #break outside #foreach ends the template, as in Velocity.
			return r.out.String(), nil
		}
		return "", err
	}
	return r.out.String(), nil
}

func (r *renderer) step() error {
	r.steps++
	if r.steps > r.limits.MaxSteps {
		return &LimitError{fmt.Sprintf("template evaluation exceeds %d steps", r.limits.MaxSteps)}
	}
	return nil
}

func (r *renderer) write(out *strings.Builder, s string) error {
	if out.Len()+len(s) > r.limits.MaxOutput {
		return &LimitError{fmt.Sprintf("template output exceeds %d bytes", r.limits.MaxOutput)}
	}
	out.WriteString(s)
	return nil
}

func (r *renderer) nodes(nodes []node, out *strings.Builder) error {
	for _, n := range nodes {
		if err := r.step(); err != nil {
			return err
		}
		if err := r.node(n, out); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) node(n node, out *strings.Builder) error {
	switch n := n.(type) {
	case textNode:
		return r.write(out, string(n))
	case *refNode:
		v, err := r.ref(n.ref)
		if err != nil {
			return err
		}
		if v == nil {
			// API Gateway prints nothing for an unresolved reference.
			return nil
		}
		s, err := r.str(v)
		if err != nil {
			return err
		}
		return r.write(out, s)
	case *setNode:
		v, err := r.eval(n.value)
		if err != nil {
			return err
		}
		return r.assign(n.target, v)
	case *ifNode:
		for i, c := range n.conds {
			v, err := r.eval(c)
			if err != nil {
				return err
			}
			if truthy(v) {
				return r.nodes(n.bodies[i], out)
			}
		}
		return r.nodes(n.els, out)
	case *foreachNode:
		return r.foreach(n, out)
	case breakNode:
		return errBreak
	case stopNode:
		return errStop
	}
	return &EvalError{fmt.Sprintf("unknown node %T", n)}
}

// loopState is $foreach.
type loopState struct {
	index, count int
	hasNext      bool
}

func (l *loopState) Property(name string) (any, bool) {
	switch name {
	case "index":
		return int64(l.index), true
	case "count":
		return int64(l.count), true
	case "hasNext":
		return l.hasNext, true
	case "first":
		return l.index == 0, true
	case "last":
		return !l.hasNext, true
	}
	return nil, false
}

func (r *renderer) foreach(n *foreachNode, out *strings.Builder) error {
	over, err := r.eval(n.over)
	if err != nil {
		return err
	}
	var items []any
	switch x := over.(type) {
	case *List:
		items = append(items, x.Items...)
	case *Map:
		for _, k := range x.keys {
			items = append(items, x.m[k])
		}
	case nil:
		return nil
	default:
		items = []any{x}
	}
	if len(items) > r.limits.MaxLoop {
		return &LimitError{fmt.Sprintf("#foreach over %d items exceeds the limit of %d iterations", len(items), r.limits.MaxLoop)}
	}
	saved, hadVar := r.vars[n.name]
	savedLoop, hadLoop := r.vars["foreach"]
	savedCount, hadCount := r.vars["velocityCount"]
	defer func() {
		restore(r.vars, n.name, saved, hadVar)
		restore(r.vars, "foreach", savedLoop, hadLoop)
		restore(r.vars, "velocityCount", savedCount, hadCount)
	}()
	for i, it := range items {
		r.vars[n.name] = it
		r.vars["foreach"] = &loopState{index: i, count: i + 1, hasNext: i < len(items)-1}
		r.vars["velocityCount"] = int64(i + 1)
		if err := r.nodes(n.body, out); err != nil {
			if errors.Is(err, errBreak) {
				return nil
			}
			return err
		}
	}
	return nil
}

func restore(vars map[string]any, k string, v any, had bool) {
	if had {
		vars[k] = v
	} else {
		delete(vars, k)
	}
}

// assign runs #set: $x = v, or $a.b.c = v (a map entry).
func (r *renderer) assign(target *reference, v any) error {
	if len(target.chain) == 0 {
		if v == nil {
			// Velocity 1.7 leaves the variable unchanged on null.
			return nil
		}
		r.vars[target.root] = v
		return nil
	}
	last := target.chain[len(target.chain)-1]
	holder, err := r.ref(&reference{root: target.root, chain: target.chain[:len(target.chain)-1]})
	if err != nil {
		return err
	}
	switch h := holder.(type) {
	case *Map:
		if last.kind != propAccess {
			break
		}
		return r.put(h, last.name, v)
	case *List:
		if last.kind != indexAccess {
			break
		}
		idx, err := r.eval(last.index)
		if err != nil {
			return err
		}
		i, ok := idx.(int64)
		if !ok || i < 0 || i >= int64(len(h.Items)) {
			return &EvalError{fmt.Sprintf("index %s out of range in #set(%s)", ToString(idx), target.source)}
		}
		h.Items[i] = v
		return nil
	case Setter:
		if last.kind == propAccess {
			return h.SetProperty(last.name, v)
		}
	}
	// Velocity logs and ignores an assignment it cannot make.
	return nil
}

// Setter is a host value whose properties #set can write.
type Setter interface {
	SetProperty(name string, v any) error
}

func (r *renderer) put(m *Map, k string, v any) error {
	if _, exists := m.m[k]; !exists && m.Len() >= r.limits.MaxItems {
		return &LimitError{fmt.Sprintf("a map exceeds %d entries", r.limits.MaxItems)}
	}
	m.Put(k, v)
	return nil
}

func (r *renderer) ref(ref *reference) (any, error) {
	v := r.vars[ref.root]
	for _, acc := range ref.chain {
		if err := r.step(); err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		var err error
		switch acc.kind {
		case propAccess:
			v = property(v, acc.name)
		case indexAccess:
			var idx any
			if idx, err = r.eval(acc.index); err != nil {
				return nil, err
			}
			v = index(v, idx)
		case callAccess:
			args := make([]any, len(acc.args))
			for i, a := range acc.args {
				if args[i], err = r.eval(a); err != nil {
					return nil, err
				}
			}
			if v, err = r.call(v, acc.name, args); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

func property(v any, name string) any {
	switch x := v.(type) {
	case *Map:
		got, _ := x.Get(name)
		return got
	case Object:
		got, _ := x.Property(name)
		return got
	case *List:
		if name == "empty" {
			return len(x.Items) == 0
		}
	case string:
		if name == "empty" {
			return x == ""
		}
	}
	return nil
}

func index(v, idx any) any {
	switch x := v.(type) {
	case *List:
		i, ok := idx.(int64)
		if ok && i < 0 {
			i += int64(len(x.Items))
		}
		if !ok || i < 0 || i >= int64(len(x.Items)) {
			return nil
		}
		return x.Items[i]
	case *Map:
		got, _ := x.Get(ToString(idx))
		return got
	case Object:
		got, _ := x.Property(ToString(idx))
		return got
	}
	return nil
}

// str renders a value for output, bounded by MaxOutput.
func (r *renderer) str(v any) (string, error) {
	s := stringer{max: r.limits.MaxOutput}
	s.write(v, 0)
	if s.full() {
		return "", &LimitError{fmt.Sprintf("a value exceeds %d bytes", r.limits.MaxOutput)}
	}
	return s.b.String(), nil
}

func (r *renderer) eval(e expr) (any, error) {
	if err := r.step(); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *literal:
		return e.v, nil
	case *refExpr:
		return r.ref(e.ref)
	case *strExpr:
		var b strings.Builder
		for _, n := range e.parts {
			if err := r.node(n, &b); err != nil {
				return nil, err
			}
		}
		return b.String(), nil
	case *listExpr:
		if len(e.items) > r.limits.MaxItems {
			return nil, &LimitError{fmt.Sprintf("a list exceeds %d items", r.limits.MaxItems)}
		}
		l := &List{Items: make([]any, 0, len(e.items))}
		for _, it := range e.items {
			v, err := r.eval(it)
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, v)
		}
		return l, nil
	case *rangeExpr:
		return r.rangeList(e)
	case *mapExpr:
		m := NewMap()
		for i := range e.keys {
			k, err := r.eval(e.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := r.eval(e.vals[i])
			if err != nil {
				return nil, err
			}
			if err := r.put(m, ToString(k), v); err != nil {
				return nil, err
			}
		}
		return m, nil
	case *unaryExpr:
		x, err := r.eval(e.x)
		if err != nil {
			return nil, err
		}
		if e.op == "!" {
			return !truthy(x), nil
		}
		switch n := x.(type) {
		case int64:
			return -n, nil
		case float64:
			return -n, nil
		}
		return nil, nil
	case *binaryExpr:
		return r.binary(e)
	}
	return nil, &EvalError{fmt.Sprintf("unknown expression %T", e)}
}
