package vtl

import (
	"errors"
	"strings"
	"testing"
)

// upper is a host object with a property and a method.
type host struct{}

func (host) Property(name string) (any, bool) {
	if name == "name" {
		return "host", true
	}
	return nil, false
}

func (host) Call(name string, args []any) (any, error) {
	switch name {
	case "upper":
		return strings.ToUpper(ToString(args[0])), nil
	case "fail":
		return nil, errors.New("boom")
	}
	return nil, nil
}

func TestRender(t *testing.T) {
	obj, err := FromJSON([]byte(`{"name":"Rex","tags":["a","b"],"age":3,"w":2.5,"nested":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"o": obj, "h": host{}, "s": "hello", "n": 5, "empty": "", "list": []string{"x", "y", "z"}}
	tests := []struct{ name, tpl, want string }{
		{"text", "plain text", "plain text"},
		{"reference", "$s world", "hello world"},
		{"formal", "${s}world", "helloworld"},
		{"quiet missing", "[$!missing]", "[]"},
		{"missing prints nothing", "[$missing]", "[]"},
		{"dollar alone", "cost: $ 5 and $5", "cost: $ 5 and $5"},
		{"property", "$o.name $o.nested.x", "Rex 1"},
		{"index", "$o.tags[1] $list[0]", "b x"},
		{"map renders like Java", "$o.nested", "{x=1}"},
		{"json list renders as JSON", "$o.tags", `["a","b"]`},
		{"built list renders like Java", "#set($l = [1, 'a'])$l", "[1, a]"},
		{"float", "$o.w", "2.5"},
		{"host property and method", "$h.name $h.upper($s)", "host HELLO"},
		{"string methods", "$s.length() $s.toUpperCase() $s.substring(1,3) $s.indexOf('l') $s.replace('l','L')", "5 HELLO el 2 heLLo"},
		{"replaceAll with group", `$s.replaceAll("(l+)", "<$1>")`, "he<ll>o"},
		{"split", "#set($csv = 'a,b,,c,,')#foreach($p in $csv.split(','))[$p]#end", "[a][b][][c]"},
		{"set and arithmetic", "#set($x = $n * 2 + 1)$x #set($y = 7 / 2)$y #set($z = 7.0 / 2)$z", "11 3 3.5"},
		{"string concat", "#set($c = $s + '!' + $n)$c", "hello!5"},
		{"interpolated string", `#set($g = "$s, ${o.name}")$g`, "hello, Rex"},
		{"single quotes verbatim", `#set($g = '$s')$g`, "$s"},
		{"if elseif else", "#if($n > 10)big#elseif($n > 3)mid#else small#end", "mid"},
		{"if with and/or/not", "#if($n == 5 && !($s == 'x') || false)yes#end", "yes"},
		{"word operators", "#if($n eq 5 and not false)yes#end", "yes"},
		{"empty string is true", "#if($empty)t#else f#end", "t"},
		{"null is false", "#if($missing)t#else f#end", " f"},
		{"foreach hasNext", `[#foreach($t in $o.tags)"$t"#if($foreach.hasNext),#end#end]`, `["a","b"]`},
		{"foreach index count", "#foreach($i in [5..7])$foreach.index:$foreach.count:$velocityCount #end", "0:1:1 1:2:2 2:3:3 "},
		{"foreach over map values", "#foreach($v in $o.nested)$v#end", "1"},
		{"foreach keySet", "#foreach($k in $o.keySet())$k,#end", "name,tags,age,w,nested,"},
		{"foreach break", "#foreach($i in [1..10])#if($i > 2)#break#end$i#end", "12"},
		{"descending range", "#foreach($i in [3..1])$i#end", "321"},
		{"map literal and put", `#set($m = {"a": 1})#set($d = $m.put("b", 2))$m $m.size()`, "{a=1, b=2} 2"},
		{"set map entry", `#set($m = {})#set($m.k = "v")$m.k`, "v"},
		{"list add", "#set($l = [])#set($d = $l.add(1))#set($d = $l.add(2))$l.size() $l.get(1)", "2 2"},
		{"line comment", "a## comment\nb", "ab"},
		{"block comment", "a#* x\ny *#b", "ab"},
		{"unparsed", "#[[$s #if]]#", "$s #if"},
		{"escaped reference", `\$s \\$s`, `$s \hello`},
		{"hash is text", "color: #fff #ending", "color: #fff #ending"},
		{"braced directives", "#if(true)a#{else}b#{end}c", "ac"},
		{"directive lines are gobbled", "{\n  #set($a = 1)\n  #if($a == 1)\n  \"a\": $a\n  #end\n}", "{\n  \"a\": 1\n}"},
		{"numbers compare across types", "#if($n == 5.0)eq#end", "eq"},
		{"division by zero is null", "#set($q = 1)#set($q = 5 / 0)$q", "1"},
		{"stop", "a#stop b", "a"},
		{"negative number", "#set($x = -3)$x #set($y = 2 - -3)$y", "-3 5"},
		{"entrySet", "#foreach($e in $o.nested.entrySet())$e.key=$e.getValue()#end", "x=1"},
		{"unknown method is null", "[$s.nope()]", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.tpl)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.tpl, err)
			}
			got, err := tpl.Render(vars, Limits{})
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.tpl, err)
			}
			if got != tt.want {
				t.Fatalf("Render(%q) = %q, want %q", tt.tpl, got, tt.want)
			}
		})
	}
}

func TestRenderDoesNotChangeVars(t *testing.T) {
	tpl, err := Parse("#set($s = 'changed')$s")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"s": "orig"}
	if _, err := tpl.Render(vars, Limits{}); err != nil {
		t.Fatal(err)
	}
	if vars["s"] != "orig" {
		t.Fatalf("vars changed: %v", vars)
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tpl := range []string{
		"#if($a)x",
		"#foreach($a in [1,2])",
		"#end",
		"#else",
		"#set($a 1)",
		"#set(x = 1)",
		"#if($a == )x#end",
		`#set($a = "unterminated)`,
		"$a.b(1,",
		"#foreach($a.b in [1])#end",
		"#[[ never closed",
		"#set($a = {1: })",
		strings.Repeat("#if(true)", 200) + strings.Repeat("#end", 200),
		"#set($a = " + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500) + ")",
	} {
		_, err := Parse(tpl)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.60q) = %v, want a SyntaxError", tpl, err)
		}
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name, tpl string
		limits    Limits
	}{
		{"loop iterations", "#foreach($i in [1..2000])x#end", Limits{}},
		{"range size", "#set($r = [1..2000000])", Limits{}},
		{"output size", "#foreach($i in [1..100])0123456789#end", Limits{MaxOutput: 500}},
		{"steps", "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end", Limits{MaxOutput: 1 << 30}},
		{"string doubling", "#set($s = 'ab')#foreach($i in [1..64])#set($s = \"$s$s\")#end", Limits{}},
		{"list doubling", "#set($l = [1])#foreach($i in [1..64])#set($d = $l.addAll($l))#end", Limits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.tpl)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tpl.Render(nil, tt.limits)
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("Render = %v, want a LimitError", err)
			}
		})
	}
}

func TestHostErrorsFailTheRendering(t *testing.T) {
	tpl, err := Parse("$h.fail()")
	if err != nil {
		t.Fatal(err)
	}
	var ee *EvalError
	if _, err := tpl.Render(map[string]any{"h": host{}}, Limits{}); !errors.As(err, &ee) {
		t.Fatalf("Render = %v, want an EvalError", err)
	}
}

func TestSelfReferencingList(t *testing.T) {
	tpl, err := Parse("#set($l = [1])#set($d = $l.add($l))$l")
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render(nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "[1, [1, [1,") || !strings.Contains(out, "...") {
		t.Fatalf("output %q", out)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := `{"z":1,"a":[true,null,"s",{"k":1.5}],"big":12345678901234567890}`
	v, err := FromJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := ToJSON(v); got != `{"z":1,"a":[true,null,"s",{"k":1.5}],"big":1.2345678901234567e+19}` {
		t.Fatalf("ToJSON = %s", got)
	}
	for _, bad := range []string{`{`, `{} x`, `[1,]`, ``} {
		if _, err := FromJSON([]byte(bad)); err == nil {
			t.Errorf("FromJSON(%q) succeeded", bad)
		}
	}
}
