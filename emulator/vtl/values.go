package vtl

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Values a template handles are nil, string, int64, float64, bool, *List,
// *Map and host values implementing Object (properties) and/or Caller
// (methods). Go ints and float32s given as variables are normalized.

// Object is a host value with properties ($context.requestId).
type Object interface {
	Property(name string) (any, bool)
}

// Caller is a host value with methods ($util.base64Encode('x')). An error
// fails the rendering, as a Java exception fails Velocity's.
type Caller interface {
	Call(name string, args []any) (any, error)
}

// List is a mutable list (Java's ArrayList). JSON lists render as JSON,
// as API Gateway renders the arrays $input.path returns.
type List struct {
	Items []any
	JSON  bool
}

// Map is an insertion-ordered map (Java's LinkedHashMap).
type Map struct {
	keys []string
	m    map[string]any
}

// NewMap returns an empty map.
func NewMap() *Map { return &Map{m: map[string]any{}} }

// Get returns the value of k.
func (m *Map) Get(k string) (any, bool) {
	v, ok := m.m[k]
	return v, ok
}

// Put sets k, keeping its position when it exists.
func (m *Map) Put(k string, v any) {
	if _, ok := m.m[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.m[k] = v
}

// Remove deletes k.
func (m *Map) Remove(k string) {
	if _, ok := m.m[k]; !ok {
		return
	}
	delete(m.m, k)
	for i, key := range m.keys {
		if key == k {
			m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
			break
		}
	}
}

// Keys are the keys in insertion order.
func (m *Map) Keys() []string { return m.keys }

// Len is the number of entries.
func (m *Map) Len() int { return len(m.keys) }

// FromJSON decodes a JSON document into template values: objects become
// ordered Maps, arrays JSON Lists, integers int64 (float64 beyond).
func FromJSON(data []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	v, err := decodeJSON(dec, 0)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	if _, err := dec.Token(); err == nil {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return v, nil
}

func decodeJSON(dec *json.Decoder, depth int) (any, error) {
	if depth > 1000 {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := NewMap()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				m.Put(k, v)
			}
			_, err := dec.Token()
			return m, err
		case '[':
			l := &List{JSON: true}
			for dec.More() {
				v, err := decodeJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				l.Items = append(l.Items, v)
			}
			_, err := dec.Token()
			return l, err
		}
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, nil
		}
		f, err := t.Float64()
		return f, err
	default:
		return t, nil // string, bool, nil
	}
}

// normalize maps Go values given as variables to template values.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case map[string]string:
		m := NewMap()
		for _, k := range sortedKeys(x) {
			m.Put(k, x[k])
		}
		return m
	case []string:
		l := &List{}
		for _, s := range x {
			l.Items = append(l.Items, s)
		}
		return l
	}
	return v
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// stringer writes values as Java's toString would, bounded in size and
// depth so that a list holding itself cannot loop.
type stringer struct {
	b   strings.Builder
	max int
}

func (s *stringer) full() bool { return s.b.Len() > s.max }

func (s *stringer) write(v any, depth int) {
	if s.full() {
		return
	}
	if depth > 32 {
		s.b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		s.b.WriteString("null")
	case string:
		s.b.WriteString(x)
	case int64:
		s.b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		s.b.WriteString(formatFloat(x))
	case bool:
		s.b.WriteString(strconv.FormatBool(x))
	case *List:
		if x.JSON {
			s.json(x, depth)
			return
		}
		s.b.WriteByte('[')
		for i, it := range x.Items {
			if i > 0 {
				s.b.WriteString(", ")
			}
			s.write(it, depth+1)
			if s.full() {
				return
			}
		}
		s.b.WriteByte(']')
	case *Map:
		s.b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				s.b.WriteString(", ")
			}
			s.b.WriteString(k)
			s.b.WriteByte('=')
			s.write(x.m[k], depth+1)
			if s.full() {
				return
			}
		}
		s.b.WriteByte('}')
	case interface{ String() string }:
		s.b.WriteString(x.String())
	default:
		s.b.WriteString("?")
	}
}

// json writes v as compact JSON, preserving map order.
func (s *stringer) json(v any, depth int) {
	if s.full() {
		return
	}
	if depth > 32 {
		s.b.WriteString("null")
		return
	}
	switch x := v.(type) {
	case nil:
		s.b.WriteString("null")
	case string:
		data, _ := json.Marshal(x)
		s.b.Write(data)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.b.WriteString("null")
			return
		}
		s.b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case int64, bool:
		s.write(x, depth)
	case *List:
		s.b.WriteByte('[')
		for i, it := range x.Items {
			if i > 0 {
				s.b.WriteByte(',')
			}
			s.json(it, depth+1)
			if s.full() {
				return
			}
		}
		s.b.WriteByte(']')
	case *Map:
		s.b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				s.b.WriteByte(',')
			}
			s.json(k, depth)
			s.b.WriteByte(':')
			s.json(x.m[k], depth+1)
			if s.full() {
				return
			}
		}
		s.b.WriteByte('}')
	default:
		var inner stringer
		inner.max = s.max
		inner.write(x, depth)
		s.json(inner.b.String(), depth)
	}
}

// ToString renders v as a template would print it.
func ToString(v any) string {
	s := stringer{max: defaultMaxOutput}
	s.write(v, 0)
	return s.b.String()
}

// ToJSON renders v as compact JSON, map order preserved.
func ToJSON(v any) string {
	s := stringer{max: defaultMaxOutput}
	s.json(v, 0)
	return s.b.String()
}

// formatFloat follows Java's Double.toString closely enough: 1.0, 0.5,
// 1.0E10.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	abs := math.Abs(f)
	if f == 0 || abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	return mant + "E" + strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "0")
}

// truthy is Velocity's #if rule: null and false are false, all else true.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	}
	return true
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// equal compares as Velocity does: numbers by value, same kinds directly,
// different kinds by their string forms.
func equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			return fa == fb
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x == y
		}
	case bool:
		if y, ok := b.(bool); ok {
			return x == y
		}
	}
	return ToString(a) == ToString(b)
}
