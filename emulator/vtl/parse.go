// Package vtl is a small interpreter for the Velocity Template Language as
// API Gateway mapping templates use it: references with properties, method
// calls and indexes, #set, #if/#elseif/#else, #foreach (with $foreach and
// #break), #stop, comments and unparsed blocks. It is built to face
// untrusted templates: parsing depth, loop iterations, evaluation steps and
// output size are bounded, and no input makes it panic.
package vtl

import (
	"fmt"
	"strconv"
	"strings"
)

// maxDepth bounds the nesting of blocks and expressions.
const maxDepth = 100

// SyntaxError is a template that does not parse.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("vtl: syntax error at offset %d: %s", e.Pos, e.Msg)
}

// Template is a parsed template, safe for concurrent use.
type Template struct {
	nodes []node
}

type node interface{}

type (
	textNode string
	refNode  struct{ ref *reference }
	setNode  struct {
		target *reference
		value  expr
	}
	ifNode struct {
		conds  []expr
		bodies [][]node
		els    []node
	}
	foreachNode struct {
		name string
		over expr
		body []node
	}
	breakNode struct{}
	stopNode  struct{}
)

// reference is $root.chain..., as in $input.path('$.a').b[0].
type reference struct {
	root   string
	chain  []accessor
	quiet  bool
	source string // the text as written, for error messages
}

type accessKind int

const (
	propAccess accessKind = iota
	callAccess
	indexAccess
)

type accessor struct {
	kind  accessKind
	name  string
	args  []expr
	index expr
}

type expr interface{}

type (
	literal   struct{ v any }
	strExpr   struct{ parts []node } // an interpolated "..." string
	refExpr   struct{ ref *reference }
	listExpr  struct{ items []expr }
	rangeExpr struct{ from, to expr }
	mapExpr   struct{ keys, vals []expr }
	unaryExpr struct {
		op string
		x  expr
	}
	binaryExpr struct {
		op   string
		l, r expr
	}
)

type parser struct {
	src   string
	pos   int
	depth int
	// elseif is the condition of the #elseif that ended the last block.
	elseif expr
}

// Parse parses a template.
func Parse(src string) (*Template, error) {
	p := &parser{src: src}
	nodes, term, err := p.block()
	if err != nil {
		return nil, err
	}
	if term != "" {
		return nil, p.errorf("#%s without a matching #if or #foreach", term)
	}
	return &Template{nodes: nodes}, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Pos: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) peek(s string) bool { return strings.HasPrefix(p.src[p.pos:], s) }

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

// block parses nodes until EOF or a terminating directive (#end, #else,
// #elseif), which it returns without consuming its arguments.
func (p *parser) block() ([]node, string, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, "", p.errorf("blocks nested deeper than %d", maxDepth)
	}
	var nodes []node
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			nodes = append(nodes, textNode(text.String()))
			text.Reset()
		}
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\\':
			n := 0
			for p.pos+n < len(p.src) && p.src[p.pos+n] == '\\' {
				n++
			}
			next := p.pos + n
			if next < len(p.src) && (p.src[next] == '$' || p.src[next] == '#') {
				// \$x renders $x; \\$x renders \ and the value of $x.
				text.WriteString(strings.Repeat(`\`, n/2))
				p.pos = next
				if n%2 == 1 {
					text.WriteByte(p.src[p.pos])
					p.pos++
				}
				continue
			}
			text.WriteString(p.src[p.pos:next])
			p.pos = next
		case '$':
			start := p.pos
			ref, ok, err := p.reference()
			if err != nil {
				return nil, "", err
			}
			if !ok {
				p.pos = start + 1
				text.WriteByte('$')
				continue
			}
			flush()
			nodes = append(nodes, &refNode{ref: ref})
		case '#':
			n, term, handled, err := p.directive(&text)
			if err != nil {
				return nil, "", err
			}
			if term != "" {
				flush()
				return nodes, term, nil
			}
			if !handled {
				text.WriteByte('#')
				p.pos++
				continue
			}
			if n != nil {
				flush()
				nodes = append(nodes, n)
			}
		default:
			end := strings.IndexAny(p.src[p.pos:], `\$#`)
			if end < 0 {
				end = len(p.src) - p.pos
			}
			text.WriteString(p.src[p.pos : p.pos+end])
			p.pos += end
		}
	}
	flush()
	return nodes, "", nil
}

// atLineStart reports whether only blanks precede pos on its line.
func (p *parser) atLineStart(pos int) bool {
	for i := pos - 1; i >= 0; i-- {
		switch p.src[i] {
		case ' ', '\t':
			continue
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

// gobbleLine drops the rest of a line that held only a directive: its
// trailing blanks and newline here, its leading blanks from text.
func (p *parser) gobbleLine(start int, text *strings.Builder) {
	if !p.atLineStart(start) {
		return
	}
	i := p.pos
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
		i++
	}
	switch {
	case i == len(p.src):
	case p.src[i] == '\n':
		i++
	case p.src[i] == '\r' && i+1 < len(p.src) && p.src[i+1] == '\n':
		i += 2
	default:
		return
	}
	p.pos = i
	s := text.String()
	trimmed := strings.TrimRight(s, " \t")
	if len(trimmed) != len(s) {
		text.Reset()
		text.WriteString(trimmed)
	}
}

var directives = []string{"elseif", "else", "end", "set", "if", "foreach", "break", "stop"}

// directive parses what starts with '#' at p.pos. It returns the node to
// add (nil for comments), or the name of a terminator, or handled=false
// when the '#' is plain text.
func (p *parser) directive(text *strings.Builder) (node, string, bool, error) {
	start := p.pos
	rest := p.src[p.pos+1:]
	switch {
	case strings.HasPrefix(rest, "#"): // line comment, with its newline
		end := strings.IndexByte(rest, '\n')
		if end < 0 {
			p.pos = len(p.src)
		} else {
			p.pos += 1 + end + 1
		}
		if p.atLineStart(start) {
			s := text.String()
			text.Reset()
			text.WriteString(strings.TrimRight(s, " \t"))
		}
		return nil, "", true, nil
	case strings.HasPrefix(rest, "*"):
		end := strings.Index(rest[1:], "*#")
		if end < 0 {
			p.pos = len(p.src)
		} else {
			p.pos += 2 + end + 2
		}
		return nil, "", true, nil
	case strings.HasPrefix(rest, "[["):
		end := strings.Index(rest[2:], "]]#")
		if end < 0 {
			return nil, "", false, p.errorf("unterminated #[[ block")
		}
		text.WriteString(rest[2 : 2+end])
		p.pos += 3 + end + 3
		return nil, "", true, nil
	}
	name := ""
	braced := strings.HasPrefix(rest, "{")
	for _, d := range directives {
		if braced && strings.HasPrefix(rest[1:], d+"}") {
			name = d
			p.pos += 1 + 1 + len(d) + 1
			break
		}
		if !braced && strings.HasPrefix(rest, d) {
			after := 1 + len(d)
			if p.pos+after < len(p.src) && isIdentChar(p.src[p.pos+after]) {
				continue // #ending, #settings: text
			}
			name = d
			p.pos += after
			break
		}
	}
	switch name {
	case "":
		return nil, "", false, nil
	case "else", "end":
		p.gobbleLine(start, text)
		return nil, name, true, nil
	case "elseif":
		cond, err := p.condition(name)
		if err != nil {
			return nil, "", false, err
		}
		p.gobbleLine(start, text)
		p.elseif = cond
		return nil, name, true, nil
	case "break":
		p.gobbleLine(start, text)
		return breakNode{}, "", true, nil
	case "stop":
		p.gobbleLine(start, text)
		return stopNode{}, "", true, nil
	case "set":
		if err := p.open(name); err != nil {
			return nil, "", false, err
		}
		p.space()
		ref, ok, err := p.reference()
		if err != nil {
			return nil, "", false, err
		}
		if !ok {
			return nil, "", false, p.errorf("#set needs a $reference to assign")
		}
		p.space()
		if !p.peek("=") {
			return nil, "", false, p.errorf("#set needs '='")
		}
		p.pos++
		v, err := p.expr()
		if err != nil {
			return nil, "", false, err
		}
		if err := p.close(name); err != nil {
			return nil, "", false, err
		}
		p.gobbleLine(start, text)
		return &setNode{target: ref, value: v}, "", true, nil
	case "if":
		n, err := p.ifBlock(start, text)
		return n, "", true, err
	case "foreach":
		n, err := p.foreach(start, text)
		return n, "", true, err
	}
	return nil, "", false, nil
}

func (p *parser) open(name string) error {
	p.space()
	if !p.peek("(") {
		return p.errorf("#%s needs '('", name)
	}
	p.pos++
	return nil
}

func (p *parser) close(name string) error {
	p.space()
	if !p.peek(")") {
		return p.errorf("#%s: expected ')'", name)
	}
	p.pos++
	return nil
}

func (p *parser) condition(name string) (expr, error) {
	if err := p.open(name); err != nil {
		return nil, err
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	return e, p.close(name)
}

func (p *parser) ifBlock(start int, text *strings.Builder) (node, error) {
	n := &ifNode{}
	cond, err := p.condition("if")
	if err != nil {
		return nil, err
	}
	p.gobbleLine(start, text)
	for {
		body, term, err := p.block()
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.bodies = append(n.bodies, body)
		switch term {
		case "end":
			return n, nil
		case "elseif":
			cond = p.elseif
		case "else":
			els, term, err := p.block()
			if err != nil {
				return nil, err
			}
			if term != "end" {
				return nil, p.errorf("#else without #end")
			}
			n.els = els
			return n, nil
		default:
			return nil, p.errorf("#if without #end")
		}
	}
}

func (p *parser) foreach(start int, text *strings.Builder) (node, error) {
	if err := p.open("foreach"); err != nil {
		return nil, err
	}
	p.space()
	ref, ok, err := p.reference()
	if err != nil {
		return nil, err
	}
	if !ok || len(ref.chain) > 0 {
		return nil, p.errorf("#foreach needs a plain $variable")
	}
	p.space()
	if !p.peek("in") || p.pos+2 >= len(p.src) || isIdentChar(p.src[p.pos+2]) {
		return nil, p.errorf("#foreach needs 'in'")
	}
	p.pos += 2
	over, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.close("foreach"); err != nil {
		return nil, err
	}
	p.gobbleLine(start, text)
	body, term, err := p.block()
	if err != nil {
		return nil, err
	}
	if term != "end" {
		return nil, p.errorf("#foreach without #end")
	}
	return &foreachNode{name: ref.root, over: over, body: body}, nil
}

// reference parses $name..., $!name..., ${name...}. ok is false (and the
// position unchanged) when the '$' does not start a reference.
func (p *parser) reference() (*reference, bool, error) {
	start := p.pos
	i := p.pos + 1
	quiet, formal := false, false
	if i < len(p.src) && p.src[i] == '!' {
		quiet = true
		i++
	}
	if i < len(p.src) && p.src[i] == '{' {
		formal = true
		i++
	}
	if i >= len(p.src) || !isIdentStart(p.src[i]) {
		return nil, false, nil
	}
	j := i
	for j < len(p.src) && isIdentChar(p.src[j]) {
		j++
	}
	ref := &reference{root: p.src[i:j], quiet: quiet}
	p.pos = j
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '.' && p.pos+1 < len(p.src) && isIdentStart(p.src[p.pos+1]) {
			k := p.pos + 1
			for k < len(p.src) && isIdentChar(p.src[k]) {
				k++
			}
			acc := accessor{kind: propAccess, name: p.src[p.pos+1 : k]}
			p.pos = k
			if p.peek("(") {
				p.pos++
				args, err := p.args(")")
				if err != nil {
					return nil, false, err
				}
				acc.kind, acc.args = callAccess, args
			}
			ref.chain = append(ref.chain, acc)
			continue
		}
		if c == '[' {
			p.pos++
			idx, err := p.expr()
			if err != nil {
				return nil, false, err
			}
			p.space()
			if !p.peek("]") {
				return nil, false, p.errorf("expected ']' in %s", p.src[start:p.pos])
			}
			p.pos++
			ref.chain = append(ref.chain, accessor{kind: indexAccess, index: idx})
			continue
		}
		break
	}
	if formal {
		if !p.peek("}") {
			// Not a formal reference after all: leave it as text.
			p.pos = start
			return nil, false, nil
		}
		p.pos++
	}
	ref.source = p.src[start:p.pos]
	return ref, true, nil
}

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

var canonicalOp = map[string]string{"or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "not": "!"}

func (p *parser) expr() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorf("expression nested deeper than %d", maxDepth)
	}
	return p.binary(0)
}

// levels are the binary operators by increasing precedence.
var levels = [][]string{
	{"||", "or"},
	{"&&", "and"},
	{"==", "!=", "eq", "ne"},
	{"<=", ">=", "<", ">", "le", "ge", "lt", "gt"},
	{"+", "-"},
	{"*", "/", "%"},
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
