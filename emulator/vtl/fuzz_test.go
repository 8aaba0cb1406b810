package vtl

import (
	"errors"
	"testing"
)

// FuzzTemplate checks that no template panics, hangs or escapes its limits:
// parsing either fails with a SyntaxError or the rendering ends with output
// within MaxOutput or a LimitError/EvalError.
func FuzzTemplate(f *testing.F) {
	for _, seed := range []string{
		`{"id": "$input.path('$.id')", "n": $n}`,
		"#set($a = [1..5])#foreach($i in $a)$i#if($foreach.hasNext),#end#end",
		"#if($n > 1 && $s.length() == 5)x#elseif($n)y#else z#end",
		`#set($m = {"a": [1, 2.5, true, null]})$m.a[1] $m.keySet()`,
		"## comment\n#* block *##[[raw]]#\\$s",
		`$s.replaceAll("(l)", "$1$1").split("l")`,
		"#foreach($i in [1..3])#foreach($j in [1..3])$i$j#break#end#end#stop",
		"${s}$!{missing}$s.substring(9)",
	} {
		f.Add(seed)
	}
	obj, _ := FromJSON([]byte(`{"id":"x","tags":["a"],"n":1}`))
	vars := map[string]any{"s": "hello", "n": 3, "o": obj}
	limits := Limits{MaxOutput: 1 << 16, MaxSteps: 20000, MaxItems: 1000}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error %T: %v", err, err)
			}
			return
		}
		out, err := tpl.Render(vars, limits)
		if err != nil {
			var le *LimitError
			var ee *EvalError
			if !errors.As(err, &le) && !errors.As(err, &ee) {
				t.Fatalf("Render error %T: %v", err, err)
			}
			return
		}
		if len(out) > limits.MaxOutput {
			t.Fatalf("output of %d bytes exceeds %d", len(out), limits.MaxOutput)
		}
	})
}
