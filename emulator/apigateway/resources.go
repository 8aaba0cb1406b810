package apigateway

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// resource is one node of an API's path tree; its full path is derived from
// the parent chain, so a snapshot needs nothing but the map.
type resource struct {
	ID       string             `json:"id"`
	ParentID string             `json:"parentId,omitempty"`
	PathPart string             `json:"pathPart,omitempty"`
	Methods  map[string]*method `json:"methods,omitempty"`
}

// resourcePath is the template path ("/pets/{id}") of r within tree.
func resourcePath(tree map[string]*resource, r *resource) string {
	var parts []string
	// The depth bound guards against a corrupt snapshot with a cycle.
	for n := r; n != nil && n.ParentID != "" && len(parts) <= len(tree); n = tree[n.ParentID] {
		parts = append(parts, n.PathPart)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

// cloneResources deep-copies a tree (deployments freeze one); the types are
// plain data, so a JSON round trip is exact.
func cloneResources(tree map[string]*resource) map[string]*resource {
	out := map[string]*resource{}
	data, err := json.Marshal(tree)
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	if err != nil {
		panic("apigateway: resource tree is not plain data: " + err.Error())
	}
	return out
}

type resourceOut struct {
	ID              string         `json:"id"`
	ParentID        string         `json:"parentId,omitempty"`
	PathPart        string         `json:"pathPart,omitempty"`
	Path            string         `json:"path"`
	ResourceMethods map[string]any `json:"resourceMethods,omitempty"`
}

// resourceOutOf renders r; embed includes the full methods, otherwise each
// method is an empty object, as AWS lists them.
func resourceOutOf(tree map[string]*resource, r *resource, embed bool) resourceOut {
	out := resourceOut{ID: r.ID, ParentID: r.ParentID, PathPart: r.PathPart, Path: resourcePath(tree, r)}
	if len(r.Methods) > 0 {
		out.ResourceMethods = map[string]any{}
		for name, m := range r.Methods {
			if embed {
				out.ResourceMethods[name] = m.out()
			} else {
				out.ResourceMethods[name] = struct{}{}
			}
		}
	}
	return out
}

// resource finds a resource of the API; callers hold s.mu.
func (s *Service) resource(c *call) (*restAPI, *resource, *protocol.Error) {
	return childOf(s, c, func(a *restAPI) map[string]*resource { return a.Resources }, "resource_id", "Resource")
}

func embedsMethods(c *call) bool {
	for _, v := range c.query["embed"] {
		for _, e := range strings.Split(v, ",") {
			if strings.TrimSpace(e) == "methods" {
				return true
			}
		}
	}
	return false
}

func getResources(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	all := make([]*resource, 0, len(a.Resources))
	for _, res := range a.Resources {
		all = append(all, res)
	}
	items, pos, err := page(c, all, func(r *resource) string { return r.ID })
	if err != nil {
		return nil, err
	}
	// AWS lists by path within a page, which reads best.
	sort.SliceStable(items, func(i, j int) bool {
		return resourcePath(a.Resources, items[i]) < resourcePath(a.Resources, items[j])
	})
	embed := embedsMethods(c)
	out := struct {
		Items    []resourceOut `json:"item"`
		Position string        `json:"position,omitempty"`
	}{Items: []resourceOut{}, Position: pos}
	for _, res := range items {
		out.Items = append(out.Items, resourceOutOf(a.Resources, res, embed))
	}
	return frozen(out), nil
}

func getResource(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, res, err := s.resource(c)
	if err != nil {
		return nil, err
	}
	return frozen(resourceOutOf(a.Resources, res, embedsMethods(c))), nil
}

// validPathPart applies API Gateway's rule: a-zA-Z0-9._- and, for a path
// variable, curly braces around the name with an optional "+" (greedy).
func validPathPart(p string) bool {
	name := p
	if strings.HasPrefix(p, "{") {
		if !strings.HasSuffix(p, "}") {
			return false
		}
		name = strings.TrimSuffix(strings.TrimSuffix(p[1:], "}"), "+")
	}
	if name == "" {
		return false
	}
	for _, ch := range name {
		ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-'
		if !ok {
			return false
		}
	}
	return true
}

func isVariable(part string) bool { return strings.HasPrefix(part, "{") }
func isGreedy(part string) bool   { return strings.HasSuffix(part, "+}") }

func createResource(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		PathPart string `json:"pathPart"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !validPathPart(in.PathPart) {
		return nil, protocol.BadRequest("BadRequestException", "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, parent, err := s.resource(c)
	if err != nil {
		return nil, err
	}
	if isGreedy(parent.PathPart) {
		return nil, protocol.BadRequest("BadRequestException", "Cannot create a child of a resource with a greedy path variable: %s", parent.PathPart)
	}
	for _, sib := range a.Resources {
		if sib.ParentID != parent.ID {
			continue
		}
		if sib.PathPart == in.PathPart {
			return nil, protocol.Conflict("ConflictException", "Another resource with the same parent already has this name: %s", in.PathPart)
		}
		if isVariable(sib.PathPart) && isVariable(in.PathPart) {
			return nil, protocol.BadRequest("BadRequestException", "A sibling (%s) of this resource already has a variable path part -- only one is allowed", sib.PathPart)
		}
	}
	res := &resource{ID: protocol.AlnumID(6), ParentID: parent.ID, PathPart: in.PathPart}
	a.Resources[res.ID] = res
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(resourceOutOf(a.Resources, res, false)), nil
}

func deleteResource(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, res, err := s.resource(c)
	if err != nil {
		return nil, err
	}
	if res.ID == a.RootID {
		return nil, protocol.BadRequest("BadRequestException", "Cannot delete the root resource of a REST API")
	}
	// Remove the subtree: repeat until no resource has a deleted parent.
	gone := map[string]bool{res.ID: true}
	for changed := true; changed; {
		changed = false
		for id, r := range a.Resources {
			if !gone[id] && gone[r.ParentID] {
				gone[id] = true
				changed = true
			}
		}
	}
	for id := range gone {
		delete(a.Resources, id)
	}
	return nil, s.commit()
}
