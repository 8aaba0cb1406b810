package vtl

import (
	"fmt"
	"math"
	"strings"
)

// Operators and ranges.

func (r *renderer) rangeList(e *rangeExpr) (any, error) {
	from, err := r.eval(e.from)
	if err != nil {
		return nil, err
	}
	to, err := r.eval(e.to)
	if err != nil {
		return nil, err
	}
	a, ok1 := from.(int64)
	b, ok2 := to.(int64)
	if !ok1 || !ok2 {
		return nil, &EvalError{"a range needs integer bounds"}
	}
	n := b - a
	if n < 0 {
		n = -n
	}
	if n >= int64(r.limits.MaxItems) {
		return nil, &LimitError{fmt.Sprintf("range [%d..%d] exceeds %d items", a, b, r.limits.MaxItems)}
	}
	l := &List{Items: make([]any, 0, n+1)}
	step := int64(1)
	if b < a {
		step = -1
	}
	for i := a; ; i += step {
		l.Items = append(l.Items, i)
		if i == b {
			break
		}
	}
	return l, nil
}

func (r *renderer) binary(e *binaryExpr) (any, error) {
	l, err := r.eval(e.l)
	if err != nil {
		return nil, err
	}
	// && and || short-circuit.
	switch e.op {
	case "&&":
		if !truthy(l) {
			return false, nil
		}
		rv, err := r.eval(e.r)
		return truthy(rv), err
	case "||":
		if truthy(l) {
			return true, nil
		}
		rv, err := r.eval(e.r)
		return truthy(rv), err
	}
	rv, err := r.eval(e.r)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "==":
		return equal(l, rv), nil
	case "!=":
		return !equal(l, rv), nil
	case "<", "<=", ">", ">=":
		return compare(e.op, l, rv), nil
	case "+":
		_, ls := l.(string)
		_, rs := rv.(string)
		if ls || rs {
			a, err := r.str(l)
			if err != nil {
				return nil, err
			}
			b, err := r.str(rv)
			if err != nil {
				return nil, err
			}
			if len(a)+len(b) > r.limits.MaxOutput {
				return nil, &LimitError{fmt.Sprintf("a string exceeds %d bytes", r.limits.MaxOutput)}
			}
			return a + b, nil
		}
	}
	return arithmetic(e.op, l, rv), nil
}

func compare(op string, a, b any) bool {
	var c int
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		if !ok {
			return false
		}
		switch {
		case fa < fb:
			c = -1
		case fa > fb:
			c = 1
		}
	} else {
		sa, ok1 := a.(string)
		sb, ok2 := b.(string)
		if !ok1 || !ok2 {
			return false
		}
		c = strings.Compare(sa, sb)
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// arithmetic follows Java: integer operations stay integral (division
// truncates), any float makes the result a float; invalid operands and
// division by zero give null, as Velocity logs and returns null.
func arithmetic(op string, a, b any) any {
	ia, aInt := a.(int64)
	ib, bInt := b.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			return ia + ib
		case "-":
			return ia - ib
		case "*":
			return ia * ib
		case "/":
			if ib == 0 || ia == math.MinInt64 && ib == -1 {
				return nil
			}
			return ia / ib
		case "%":
			if ib == 0 || ia == math.MinInt64 && ib == -1 {
				return nil
			}
			return ia % ib
		}
		return nil
	}
	fa, ok1 := toFloat(a)
	fb, ok2 := toFloat(b)
	if !ok1 || !ok2 {
		return nil
	}
	switch op {
	case "+":
		return fa + fb
	case "-":
		return fa - fb
	case "*":
		return fa * fb
	case "/":
		if fb == 0 {
			return nil
		}
		return fa / fb
	case "%":
		if fb == 0 {
			return nil
		}
		return math.Mod(fa, fb)
	}
	return nil
}
