// Package mapping renders API Gateway mapping templates: the Velocity
// language (package vtl) with the variables API Gateway defines, $input,
// $util, $context and $stageVariables, JSONPath by github.com/theory/jsonpath.
package mapping

import (
	"fmt"
	"strings"
	"sync"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"

	"github.com/apidriven/api-driven/emulator/vtl"
)

// Request is what $input sees: the body being mapped (the method request's
// for request templates, the integration's reply for response templates)
// and the method request's parameters.
type Request struct {
	Body   []byte
	Path   map[string]string
	Query  map[string]string
	Header map[string]string
}

// Vars are the variables of one rendering.
type Vars struct {
	Input          Request
	Context        *vtl.Map // $context, shared so that overrides persist
	StageVariables map[string]string
}

// Limits are API Gateway's: 1,000 #foreach iterations, 10 MB of output.
var Limits = vtl.Limits{MaxLoop: 1000, MaxOutput: 10 << 20}

// Render renders template src. A template that does not parse or fails
// while rendering is an error (API Gateway answers 500 for both).
func Render(src string, v Vars) (string, error) {
	tpl, err := parse(src)
	if err != nil {
		return "", err
	}
	ctx := v.Context
	if ctx == nil {
		ctx = vtl.NewMap()
	}
	vars := map[string]any{
		"input":          &input{req: v.Input},
		"util":           util{},
		"context":        ctx,
		"stageVariables": mapOf(v.StageVariables),
	}
	return tpl.Render(vars, Limits)
}

// templates caches parsed templates: a deployment's few templates are
// rendered on every call. Bounded by clearing when full.
var templates = struct {
	sync.Mutex
	m map[string]*vtl.Template
}{m: map[string]*vtl.Template{}}

const maxCachedTemplates = 512

func parse(src string) (*vtl.Template, error) {
	// API Gateway trims the template before rendering it.
	src = strings.TrimSpace(src)
	templates.Lock()
	tpl, ok := templates.m[src]
	templates.Unlock()
	if ok {
		return tpl, nil
	}
	tpl, err := vtl.Parse(src)
	if err != nil {
		return nil, err
	}
	templates.Lock()
	if len(templates.m) >= maxCachedTemplates {
		clear(templates.m)
	}
	templates.m[src] = tpl
	templates.Unlock()
	return tpl, nil
}

func mapOf(m map[string]string) *vtl.Map {
	out := vtl.NewMap()
	for _, k := range sortedKeys(m) {
		out.Put(k, m[k])
	}
	return out
}

// input is $input.
type input struct {
	req    Request
	parsed bool
	doc    any
	err    error
}

func (in *input) Property(name string) (any, bool) {
	if name == "body" {
		return in.body(), true
	}
	return nil, false
}

func (in *input) body() string {
	if len(in.req.Body) == 0 {
		return "{}"
	}
	return string(in.req.Body)
}

func (in *input) Call(name string, args []any) (any, error) {
	switch name {
	case "json", "path":
		p := "$"
		if len(args) > 0 {
			p = vtl.ToString(args[0])
		}
		v, err := in.selectPath(p)
		if err != nil {
			return nil, err
		}
		if name == "path" {
			return v, nil
		}
		return vtl.ToJSON(v), nil
	case "params":
		if len(args) == 0 {
			all := vtl.NewMap()
			all.Put("path", mapOf(in.req.Path))
			all.Put("querystring", mapOf(in.req.Query))
			all.Put("header", mapOf(in.req.Header))
			return all, nil
		}
		return in.param(vtl.ToString(args[0])), nil
	case "body":
		return in.body(), nil
	}
	return nil, nil
}

// param looks a name up in the path, then the query string, then the
// headers (whose names are case-insensitive), "" when absent.
func (in *input) param(name string) string {
	if v, ok := in.req.Path[name]; ok {
		return v
	}
	if v, ok := in.req.Query[name]; ok {
		return v
	}
	for k, v := range in.req.Header {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (in *input) document() (any, error) {
	if !in.parsed {
		in.parsed = true
		body := in.req.Body
		if len(strings.TrimSpace(string(body))) == 0 {
			body = []byte("{}")
		}
		in.doc, in.err = vtl.FromJSON(body)
		if in.err != nil {
			in.err = fmt.Errorf("the body is not JSON: %w", in.err)
		}
	}
	return in.doc, in.err
}

// selectPath evaluates a JSONPath: a singular path gives its value (nil
// when absent), any other the list of matches.
func (in *input) selectPath(p string) (any, error) {
	doc, err := in.document()
	if err != nil {
		return nil, err
	}
	return Select(doc, p)
}

// Select evaluates JSONPath p over a template value (as vtl.FromJSON
// builds), keeping map order and number forms: the library selects on a
// plain copy, and the matches are read back from doc by their paths.
func Select(doc any, p string) (any, error) {
	path, err := jsonpath.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %w", p, err)
	}
	nodes := path.SelectLocated(plain(doc, 0))
	if path.Query().Singular() != nil {
		if len(nodes) == 0 {
			return nil, nil
		}
		return locate(doc, nodes[0].Path), nil
	}
	out := &vtl.List{JSON: true}
	for _, n := range nodes {
		out.Items = append(out.Items, locate(doc, n.Path))
	}
	return out, nil
}

func plain(v any, depth int) any {
	if depth > 1000 {
		return nil
	}
	switch x := v.(type) {
	case *vtl.Map:
		m := make(map[string]any, x.Len())
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			m[k] = plain(e, depth+1)
		}
		return m
	case *vtl.List:
		l := make([]any, len(x.Items))
		for i, e := range x.Items {
			l[i] = plain(e, depth+1)
		}
		return l
	}
	return v
}

func locate(doc any, path spec.NormalizedPath) any {
	cur := doc
	for _, sel := range path {
		switch s := sel.(type) {
		case spec.Name:
			m, ok := cur.(*vtl.Map)
			if !ok {
				return nil
			}
			cur, _ = m.Get(string(s))
		case spec.Index:
			l, ok := cur.(*vtl.List)
			if !ok || int(s) < 0 || int(s) >= len(l.Items) {
				return nil
			}
			cur = l.Items[s]
		default:
			return nil
		}
	}
	return cur
}
