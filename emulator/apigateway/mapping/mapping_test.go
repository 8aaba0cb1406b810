package mapping

import (
	"strings"
	"testing"

	"github.com/apidriven/api-driven/emulator/vtl"
)

func TestRender(t *testing.T) {
	body := `{"name":"Rex","kind":"dog","tags":["a","b"],"owner":{"id":7,"name":"Ann"},"price":12.5,"items":[{"n":1},{"n":2}]}`
	ctx := vtl.NewMap()
	ctx.Put("requestId", "req-1")
	ctx.Put("httpMethod", "POST")
	identity := vtl.NewMap()
	identity.Put("sourceIp", "127.0.0.1")
	ctx.Put("identity", identity)
	auth := vtl.NewMap()
	auth.Put("principalId", "user-1")
	ctx.Put("authorizer", auth)
	vars := Vars{
		Input: Request{
			Body:   []byte(body),
			Path:   map[string]string{"id": "42"},
			Query:  map[string]string{"q": "x y", "id": "query-id"},
			Header: map[string]string{"X-Api-Key": "k", "Content-Type": "application/json"},
		},
		Context:        ctx,
		StageVariables: map[string]string{"env": "prod"},
	}
	tests := []struct{ name, tpl, want string }{
		{"json root keeps order", `$input.json('$')`, body},
		{"json field", `$input.json('$.owner')`, `{"id":7,"name":"Ann"}`},
		{"json string field", `$input.json('$.name')`, `"Rex"`},
		{"json missing", `$input.json('$.missing')`, `null`},
		{"json wildcard", `$input.json('$.items[*].n')`, `[1,2]`},
		{"json filter", `$input.json('$.items[?(@.n > 1)]')`, `[{"n":2}]`},
		{"path value", `$input.path('$.owner.name') $input.path('$.price')`, `Ann 12.5`},
		{"path map renders like Java", `$input.path('$.owner')`, `{id=7, name=Ann}`},
		{"path list renders as JSON", `$input.path('$.tags')`, `["a","b"]`},
		{"path then property", `$input.path('$').owner.id`, `7`},
		{"path size", `$input.path('$.tags').size()`, `2`},
		{"path missing prints nothing", `[$input.path('$.missing')]`, `[]`},
		{"body", `$input.body`, body},
		{"param lookup order", `$input.params('id') $input.params('q') $input.params('x-api-key') [$input.params('none')]`, `42 x y k []`},
		{"params map", `$input.params().path.id $input.params().querystring.get('q') $input.params().header.get('X-Api-Key')`, `42 x y k`},
		{"params foreach", `#foreach($type in ['path','querystring'])#foreach($k in $input.params().get($type).keySet())$k,#end#end`, `id,id,q,`},
		{"context", `$context.requestId $context.httpMethod $context.identity.sourceIp $context.authorizer.principalId`, `req-1 POST 127.0.0.1 user-1`},
		{"stage variables", `$stageVariables.env [$stageVariables.none]`, `prod []`},
		{"escapeJavaScript", `$util.escapeJavaScript('it''s "q" / é')`, `it\'s \"q\" \/ \u00E9`},
		{"parseJson", `#set($o = $util.parseJson('{"a":{"b":[1,2]}}'))$o.a.b[1]`, `2`},
		{"base64", `$util.base64Encode('hello') $util.base64Decode('aGVsbG8=')`, `aGVsbG8= hello`},
		{"url", `$util.urlEncode('a b&c=d/é*') $util.urlDecode('a+b%26c')`, `a+b%26c%3Dd%2F%C3%A9* a b&c`},
		{"classic body mapping", "#set($inputRoot = $input.path('$'))\n{\n  \"petName\": \"$inputRoot.name\",\n  \"tags\": [#foreach($t in $inputRoot.tags)\"$t\"#if($foreach.hasNext),#end#end]\n}",
			"{\n  \"petName\": \"Rex\",\n  \"tags\": [\"a\",\"b\"]\n}"},
		{"status override", `#set($context.responseOverride = {})#set($context.responseOverride.status = 404)ok`, `ok`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.tpl, vars)
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.tpl, err)
			}
			if got != tt.want {
				t.Fatalf("Render(%q)\n got %s\nwant %s", tt.tpl, got, tt.want)
			}
		})
	}
	ro, _ := ctx.Get("responseOverride")
	if st, _ := ro.(*vtl.Map).Get("status"); st != int64(404) {
		t.Fatalf("responseOverride.status = %v, want 404 (overrides must reach the caller)", st)
	}
}

func TestEmptyBody(t *testing.T) {
	got, err := Render(`$input.body $input.json('$') [$input.path('$.a')]`, Vars{})
	if err != nil {
		t.Fatal(err)
	}
	if got != `{} {} []` {
		t.Fatalf("got %q", got)
	}
}

func TestRenderErrors(t *testing.T) {
	for _, tt := range []struct{ tpl, body, want string }{
		{`$input.path('$.a')`, `not json`, "not JSON"},
		{`$input.json('$[')`, `{}`, "invalid JSONPath"},
		{`$util.parseJson('{')`, `{}`, "parseJson"},
		{`$util.base64Decode('!!')`, `{}`, "base64Decode"},
		{`#if(`, `{}`, "syntax error"},
		{`#foreach($i in [1..1001])#end`, `{}`, "1000"},
	} {
		_, err := Render(tt.tpl, Vars{Input: Request{Body: []byte(tt.body)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Render(%q) = %v, want an error containing %q", tt.tpl, err, tt.want)
		}
	}
}

func TestEscapeJavaScript(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"a\nb\tc\r":    `a\nb\tc\r`,
		"\x01":         `\u0001`,
		"😀":            `\uD83D\uDE00`,
		`back\slash`:   `back\\slash`,
		"</script>":    `<\/script>`,
		"l'apostrophe": `l\'apostrophe`,
	} {
		if got := EscapeJavaScript(in); got != want {
			t.Errorf("EscapeJavaScript(%q) = %q, want %q", in, got, want)
		}
	}
}
