package vtl

// The syntax tree a Template holds: nodes for the text and directives,
// references for $root.chain..., and expressions for #set, #if and
// #foreach and for method arguments.

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
