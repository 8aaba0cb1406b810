package vtl

import (
	"strconv"
	"strings"
)

// Expressions: the arguments of directives and methods, with Velocity's
// operators and literals.

// args parses comma-separated expressions up to the closing delimiter.
func (p *parser) args(closer string) ([]expr, error) {
	var out []expr
	p.space()
	if p.peek(closer) {
		p.pos++
		return out, nil
	}
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		p.space()
		switch {
		case p.peek(","):
			p.pos++
		case p.peek(closer):
			p.pos++
			return out, nil
		default:
			return nil, p.errorf("expected ',' or '%s'", closer)
		}
	}
}

func (p *parser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// word reads an identifier-like operator keyword if one is next.
func (p *parser) word(words ...string) string {
	for _, w := range words {
		if p.peek(w) && (p.pos+len(w) >= len(p.src) || !isIdentChar(p.src[p.pos+len(w)])) {
			p.pos += len(w)
			return w
		}
	}
	return ""
}

func (p *parser) symbol(syms ...string) string {
	for _, s := range syms {
		if p.peek(s) {
			p.pos += len(s)
			return s
		}
	}
	return ""
}

func (p *parser) expr() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorf("expression nested deeper than %d", maxDepth)
	}
	return p.binary(0)
}

func (p *parser) binary(level int) (expr, error) {
	if level == len(levels) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		p.space()
		op := p.operator(levels[level])
		if op == "" {
			return l, nil
		}
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{op: op, l: l, r: r}
	}
}

func (p *parser) operator(ops []string) string {
	for _, op := range ops {
		if isIdentStart(op[0]) {
			if p.word(op) != "" {
				return canonicalOp[op]
			}
			continue
		}
		// "=" alone is assignment, "<" must not eat "<=".
		if op == "<" && p.peek("<=") || op == ">" && p.peek(">=") {
			continue
		}
		if p.symbol(op) != "" {
			return op
		}
	}
	return ""
}

func (p *parser) unary() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorf("expression nested deeper than %d", maxDepth)
	}
	p.space()
	if p.peek("!") && !p.peek("!=") {
		p.pos++
		x, err := p.unary()
		return &unaryExpr{op: "!", x: x}, err
	}
	if p.word("not") != "" {
		x, err := p.unary()
		return &unaryExpr{op: "!", x: x}, err
	}
	if p.peek("-") && !(p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9') {
		p.pos++
		x, err := p.unary()
		return &unaryExpr{op: "-", x: x}, err
	}
	return p.primary()
}

func (p *parser) primary() (expr, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of template in an expression")
	}
	c := p.src[p.pos]
	switch {
	case c == '$':
		ref, ok, err := p.reference()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errorf("expected a reference after '$'")
		}
		return &refExpr{ref: ref}, nil
	case c == '"' || c == '\'':
		return p.stringLit(c)
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == '(':
		p.pos++
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.peek(")") {
			return nil, p.errorf("expected ')'")
		}
		p.pos++
		return e, nil
	case c == '[':
		p.pos++
		p.space()
		if p.peek("]") {
			p.pos++
			return &listExpr{}, nil
		}
		first, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.peek("..") {
			p.pos += 2
			to, err := p.expr()
			if err != nil {
				return nil, err
			}
			p.space()
			if !p.peek("]") {
				return nil, p.errorf("expected ']' after a range")
			}
			p.pos++
			return &rangeExpr{from: first, to: to}, nil
		}
		items := []expr{first}
		if p.peek(",") {
			p.pos++
			rest, err := p.args("]")
			if err != nil {
				return nil, err
			}
			items = append(items, rest...)
		} else if p.peek("]") {
			p.pos++
		} else {
			return nil, p.errorf("expected ',' or ']' in a list")
		}
		return &listExpr{items: items}, nil
	case c == '{':
		p.pos++
		m := &mapExpr{}
		p.space()
		if p.peek("}") {
			p.pos++
			return m, nil
		}
		for {
			k, err := p.expr()
			if err != nil {
				return nil, err
			}
			p.space()
			if !p.peek(":") {
				return nil, p.errorf("expected ':' in a map")
			}
			p.pos++
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			m.keys, m.vals = append(m.keys, k), append(m.vals, v)
			p.space()
			if p.peek(",") {
				p.pos++
				continue
			}
			if p.peek("}") {
				p.pos++
				return m, nil
			}
			return nil, p.errorf("expected ',' or '}' in a map")
		}
	}
	switch p.word("true", "false", "null") {
	case "true":
		return &literal{v: true}, nil
	case "false":
		return &literal{v: false}, nil
	case "null":
		return &literal{v: nil}, nil
	}
	return nil, p.errorf("unexpected %q in an expression", c)
}

func (p *parser) number() (expr, error) {
	start := p.pos
	if p.peek("-") {
		p.pos++
	}
	digits := func() {
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
	}
	digits()
	isFloat := false
	if p.peek(".") && !p.peek("..") && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
		isFloat = true
		p.pos++
		digits()
	}
	s := p.src[start:p.pos]
	if isFloat {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, p.errorf("bad number %q", s)
		}
		return &literal{v: f}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, p.errorf("bad integer %q", s)
	}
	return &literal{v: n}, nil
}

// stringLit parses '...' (verbatim) or "..." (interpolated: references and
// directives inside are evaluated). A doubled quote stands for one quote.
func (p *parser) stringLit(q byte) (expr, error) {
	p.pos++
	var b strings.Builder
	for {
		i := strings.IndexByte(p.src[p.pos:], q)
		if i < 0 {
			return nil, p.errorf("unterminated string")
		}
		b.WriteString(p.src[p.pos : p.pos+i])
		p.pos += i + 1
		if p.pos < len(p.src) && p.src[p.pos] == q {
			b.WriteByte(q)
			p.pos++
			continue
		}
		break
	}
	s := b.String()
	if q == '\'' || !strings.ContainsAny(s, "$#") {
		return &literal{v: s}, nil
	}
	sub := &parser{src: s, depth: p.depth}
	nodes, term, err := sub.block()
	if err != nil {
		return nil, err
	}
	if term != "" {
		return nil, p.errorf("#%s inside a string", term)
	}
	return &strExpr{parts: nodes}, nil
}

var canonicalOp = map[string]string{"or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "not": "!"}

// levels are the binary operators by increasing precedence.
var levels = [][]string{
	{"||", "or"},
	{"&&", "and"},
	{"==", "!=", "eq", "ne"},
	{"<=", ">=", "<", ">", "le", "ge", "lt", "gt"},
	{"+", "-"},
	{"*", "/", "%"},
}
