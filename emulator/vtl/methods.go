package vtl

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
)

// call invokes a method: the Java methods templates use on strings, lists
// and maps, or a host value's own. An unknown method gives null, as
// Velocity renders an unresolvable call.
func (r *renderer) call(v any, name string, args []any) (any, error) {
	switch x := v.(type) {
	case string:
		return r.stringMethod(x, name, args)
	case *List:
		return r.listMethod(x, name, args)
	case *Map:
		return r.mapMethod(x, name, args)
	case Caller:
		out, err := x.Call(name, args)
		if err != nil {
			return nil, &EvalError{fmt.Sprintf("%s(...): %v", name, err)}
		}
		if s, ok := out.(string); ok && len(s) > r.limits.MaxOutput {
			return nil, &LimitError{fmt.Sprintf("a string exceeds %d bytes", r.limits.MaxOutput)}
		}
		return normalize(out), nil
	}
	switch name {
	case "toString":
		return r.str(v)
	case "equals":
		if len(args) == 1 {
			return equal(v, args[0]), nil
		}
	case "intValue", "longValue":
		if f, ok := toFloat(v); ok {
			return int64(f), nil
		}
	case "doubleValue", "floatValue":
		if f, ok := toFloat(v); ok {
			return f, nil
		}
	}
	return nil, nil
}

func argString(args []any, i int) (string, bool) {
	if i >= len(args) {
		return "", false
	}
	s, ok := args[i].(string)
	return s, ok
}

func argInt(args []any, i int) (int, bool) {
	if i >= len(args) {
		return 0, false
	}
	n, ok := args[i].(int64)
	if !ok || n < -1<<31 || n > 1<<31-1 {
		return 0, false
	}
	return int(n), true
}

// utf16Len and the index helpers below count in UTF-16 units, as Java does.
func toUnits(s string) []uint16 { return utf16.Encode([]rune(s)) }
func fromUnits(u []uint16) string {
	return string(utf16.Decode(u))
}

func (r *renderer) stringMethod(s, name string, args []any) (any, error) {
	a0, ok0 := argString(args, 0)
	switch name {
	case "length", "size":
		return int64(len(toUnits(s))), nil
	case "isEmpty":
		return s == "", nil
	case "toString", "trim":
		if name == "trim" {
			return strings.Trim(s, "\x00\t\n\v\f\r "), nil
		}
		return s, nil
	case "toLowerCase":
		return strings.ToLower(s), nil
	case "toUpperCase":
		return strings.ToUpper(s), nil
	case "contains":
		return ok0 && strings.Contains(s, a0), nil
	case "startsWith":
		return ok0 && strings.HasPrefix(s, a0), nil
	case "endsWith":
		return ok0 && strings.HasSuffix(s, a0), nil
	case "equals":
		return len(args) == 1 && ok0 && s == a0, nil
	case "equalsIgnoreCase":
		return ok0 && strings.EqualFold(s, a0), nil
	case "indexOf", "lastIndexOf":
		if !ok0 {
			return nil, nil
		}
		u, sub := toUnits(s), toUnits(a0)
		return int64(indexUnits(u, sub, name == "lastIndexOf")), nil
	case "substring":
		u := toUnits(s)
		begin, ok := argInt(args, 0)
		end := len(u)
		if len(args) > 1 {
			var ok2 bool
			end, ok2 = argInt(args, 1)
			ok = ok && ok2
		}
		if !ok || begin < 0 || end > len(u) || begin > end {
			return nil, &EvalError{fmt.Sprintf("substring index out of range for a string of length %d", len(u))}
		}
		return fromUnits(u[begin:end]), nil
	case "charAt":
		u := toUnits(s)
		i, ok := argInt(args, 0)
		if !ok || i < 0 || i >= len(u) {
			return nil, &EvalError{fmt.Sprintf("charAt index out of range for a string of length %d", len(u))}
		}
		return fromUnits(u[i : i+1]), nil
	case "concat":
		if !ok0 {
			return nil, nil
		}
		return r.bounded(s + a0)
	case "replace":
		a1, ok1 := argString(args, 1)
		if !ok0 || !ok1 {
			return nil, nil
		}
		return r.bounded(strings.ReplaceAll(s, a0, a1))
	case "replaceAll", "replaceFirst":
		a1, ok1 := argString(args, 1)
		if !ok0 || !ok1 {
			return nil, nil
		}
		re, err := javaRegexp(a0)
		if err != nil {
			return nil, err
		}
		repl := javaReplacement(a1)
		if name == "replaceFirst" {
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil {
				return s, nil
			}
			var dst []byte
			dst = re.ExpandString(dst, repl, s, loc)
			return r.bounded(s[:loc[0]] + string(dst) + s[loc[1]:])
		}
		return r.bounded(re.ReplaceAllString(s, repl))
	case "matches":
		if !ok0 {
			return nil, nil
		}
		re, err := regexp.Compile(`^(?:` + a0 + `)$`)
		if err != nil {
			return nil, &EvalError{fmt.Sprintf("invalid regular expression %q: %v", a0, err)}
		}
		return re.MatchString(s), nil
	case "split":
		if !ok0 {
			return nil, nil
		}
		re, err := javaRegexp(a0)
		if err != nil {
			return nil, err
		}
		parts := re.Split(s, -1)
		// Java drops trailing empty strings.
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		l := &List{}
		for _, p := range parts {
			l.Items = append(l.Items, p)
		}
		return l, nil
	}
	return nil, nil
}

func indexUnits(u, sub []uint16, last bool) int {
	found := -1
	for i := 0; i+len(sub) <= len(u); i++ {
		match := true
		for j := range sub {
			if u[i+j] != sub[j] {
				match = false
				break
			}
		}
		if match {
			found = i
			if !last {
				return i
			}
		}
	}
	return found
}

func (r *renderer) bounded(s string) (any, error) {
	if len(s) > r.limits.MaxOutput {
		return nil, &LimitError{fmt.Sprintf("a string exceeds %d bytes", r.limits.MaxOutput)}
	}
	return s, nil
}

// javaRegexp compiles a Java regular expression with Go's RE2, which
// covers what templates use (no backreferences or lookarounds).
func javaRegexp(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, &EvalError{fmt.Sprintf("invalid regular expression %q: %v", expr, err)}
	}
	return re, nil
}

// javaReplacement turns Java's $1 and \$ into Go's ${1} and $$.
func javaReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case c == '$':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 {
				b.WriteString("$$")
				continue
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (r *renderer) grow(l *List, n int) error {
	if len(l.Items)+n > r.limits.MaxItems {
		return &LimitError{fmt.Sprintf("a list exceeds %d items", r.limits.MaxItems)}
	}
	return nil
}

func (r *renderer) listMethod(l *List, name string, args []any) (any, error) {
	switch name {
	case "size":
		return int64(len(l.Items)), nil
	case "isEmpty":
		return len(l.Items) == 0, nil
	case "get":
		i, ok := argInt(args, 0)
		if !ok || i < 0 || i >= len(l.Items) {
			return nil, &EvalError{fmt.Sprintf("list index %v out of range for a list of %d", args, len(l.Items))}
		}
		return l.Items[i], nil
	case "contains":
		return len(args) == 1 && indexOf(l, args[0]) >= 0, nil
	case "indexOf":
		if len(args) != 1 {
			return nil, nil
		}
		return int64(indexOf(l, args[0])), nil
	case "add":
		if len(args) == 1 {
			if err := r.grow(l, 1); err != nil {
				return nil, err
			}
			l.Items = append(l.Items, args[0])
			return true, nil
		}
		i, ok := argInt(args, 0)
		if len(args) != 2 || !ok || i < 0 || i > len(l.Items) {
			return nil, &EvalError{"add(index, value): index out of range"}
		}
		if err := r.grow(l, 1); err != nil {
			return nil, err
		}
		l.Items = append(l.Items[:i], append([]any{args[1]}, l.Items[i:]...)...)
		return nil, nil
	case "addAll":
		other, ok := firstList(args)
		if !ok {
			return nil, nil
		}
		if err := r.grow(l, len(other)); err != nil {
			return nil, err
		}
		l.Items = append(l.Items, other...)
		return true, nil
	case "set":
		i, ok := argInt(args, 0)
		if len(args) != 2 || !ok || i < 0 || i >= len(l.Items) {
			return nil, &EvalError{"set(index, value): index out of range"}
		}
		prev := l.Items[i]
		l.Items[i] = args[1]
		return prev, nil
	case "remove":
		if i, ok := argInt(args, 0); ok {
			if i < 0 || i >= len(l.Items) {
				return nil, &EvalError{"remove(index): index out of range"}
			}
			prev := l.Items[i]
			l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
			return prev, nil
		}
		if len(args) == 1 {
			if i := indexOf(l, args[0]); i >= 0 {
				l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
				return true, nil
			}
			return false, nil
		}
	case "clear":
		l.Items = nil
		return nil, nil
	case "toString":
		return r.str(l)
	}
	return nil, nil
}

func firstList(args []any) ([]any, bool) {
	if len(args) != 1 {
		return nil, false
	}
	other, ok := args[0].(*List)
	if !ok {
		return nil, false
	}
	return append([]any(nil), other.Items...), true
}

func indexOf(l *List, v any) int {
	for i, it := range l.Items {
		if equal(it, v) {
			return i
		}
	}
	return -1
}

func (r *renderer) mapMethod(m *Map, name string, args []any) (any, error) {
	key := ""
	if len(args) > 0 {
		key = ToString(args[0])
	}
	switch name {
	case "get":
		v, _ := m.Get(key)
		return v, nil
	case "containsKey":
		_, ok := m.Get(key)
		return ok, nil
	case "containsValue":
		for _, k := range m.keys {
			if len(args) == 1 && equal(m.m[k], args[0]) {
				return true, nil
			}
		}
		return false, nil
	case "put":
		if len(args) != 2 {
			return nil, nil
		}
		prev, _ := m.Get(key)
		return prev, r.put(m, key, args[1])
	case "putAll":
		if len(args) == 1 {
			if other, ok := args[0].(*Map); ok {
				for _, k := range append([]string(nil), other.keys...) {
					if err := r.put(m, k, other.m[k]); err != nil {
						return nil, err
					}
				}
			}
		}
		return nil, nil
	case "remove":
		prev, _ := m.Get(key)
		m.Remove(key)
		return prev, nil
	case "size":
		return int64(m.Len()), nil
	case "isEmpty":
		return m.Len() == 0, nil
	case "keySet":
		l := &List{}
		for _, k := range m.keys {
			l.Items = append(l.Items, k)
		}
		return l, nil
	case "values":
		l := &List{}
		for _, k := range m.keys {
			l.Items = append(l.Items, m.m[k])
		}
		return l, nil
	case "entrySet":
		l := &List{}
		for _, k := range m.keys {
			e := NewMap()
			e.Put("key", k)
			e.Put("value", m.m[k])
			l.Items = append(l.Items, e)
		}
		return l, nil
	case "toString":
		return r.str(m)
	}
	// getKey() and getValue() on entries, and any getter-style access.
	if rest, ok := strings.CutPrefix(name, "get"); ok && len(args) == 0 && rest != "" {
		v, _ := m.Get(strings.ToLower(rest[:1]) + rest[1:])
		return v, nil
	}
	return nil, nil
}
