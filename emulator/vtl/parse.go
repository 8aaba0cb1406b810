// Package vtl is a small interpreter for the Velocity Template Language as
// API Gateway mapping templates use it: references with properties, method
// calls and indexes, #set, #if/#elseif/#else, #foreach (with $foreach and
// #break), #stop, comments and unparsed blocks. It is built to face
// untrusted templates: parsing depth, loop iterations, evaluation steps and
// output size are bounded, and no input makes it panic.
package vtl

import (
	"fmt"
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
