package apigateway

import (
	"strings"
)

// routeNode is a deployment's resource tree compiled for matching.
type routeNode struct {
	res      *resource
	path     string // template path, "/pets/{id}"
	literals map[string]*routeNode
	param    *routeNode // a {name} child, at most one per parent
	greedy   *routeNode // a {name+} child, at most one per parent
}

// compileRoutes builds the tree under rootID. Resources whose parent chain
// does not reach the root (impossible through the API) are left out.
func compileRoutes(tree map[string]*resource, rootID string) *routeNode {
	root, ok := tree[rootID]
	if !ok {
		return nil
	}
	children := map[string][]*resource{}
	for _, r := range tree {
		if r.ParentID != "" {
			children[r.ParentID] = append(children[r.ParentID], r)
		}
	}
	var build func(r *resource, path string, depth int) *routeNode
	build = func(r *resource, path string, depth int) *routeNode {
		n := &routeNode{res: r, path: path, literals: map[string]*routeNode{}}
		if depth > len(tree) { // a cycle in a corrupt snapshot
			return n
		}
		for _, c := range children[r.ID] {
			child := build(c, strings.TrimSuffix(path, "/")+"/"+c.PathPart, depth+1)
			switch {
			case isGreedy(c.PathPart):
				n.greedy = child
			case isVariable(c.PathPart):
				n.param = child
			default:
				n.literals[c.PathPart] = child
			}
		}
		return n
	}
	return build(root, "/", 0)
}

// variableName is "id" for "{id}" and "proxy" for "{proxy+}".
func variableName(part string) string {
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(part, "{"), "}"), "+")
}

// pathSegments splits a request path, ignoring empty segments so that
// "/pets/" and "/pets" are the same route, as API Gateway treats them.
func pathSegments(p string) []string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// routeMatch is the resource a request path selects and its path parameters.
type routeMatch struct {
	node   *routeNode
	params map[string]string
}

// matchPath finds the most specific resource with methods for path: a literal
// segment beats {param}, which beats {proxy+} (greedy, one or more segments).
// It backtracks, so /a/x reaches /{p}/x when /a has no child x.
func (n *routeNode) matchPath(path string) (routeMatch, bool) {
	if n == nil {
		return routeMatch{}, false
	}
	node, params := n.find(pathSegments(path))
	if node == nil {
		return routeMatch{}, false
	}
	return routeMatch{node: node, params: params}, true
}

func (n *routeNode) find(segs []string) (*routeNode, map[string]string) {
	if len(segs) == 0 {
		if len(n.res.Methods) > 0 {
			return n, nil
		}
		return nil, nil
	}
	if c := n.literals[segs[0]]; c != nil {
		if m, p := c.find(segs[1:]); m != nil {
			return m, p
		}
	}
	if c := n.param; c != nil {
		if m, p := c.find(segs[1:]); m != nil {
			if p == nil {
				p = map[string]string{}
			}
			p[variableName(c.res.PathPart)] = segs[0]
			return m, p
		}
	}
	if c := n.greedy; c != nil && len(c.res.Methods) > 0 {
		return c, map[string]string{variableName(c.res.PathPart): strings.Join(segs, "/")}
	}
	return nil, nil
}

// selectMethod picks the method for an HTTP verb, falling back to ANY.
func selectMethod(r *resource, verb string) (*method, bool) {
	if m, ok := r.Methods[verb]; ok {
		return m, true
	}
	m, ok := r.Methods["ANY"]
	return m, ok
}
