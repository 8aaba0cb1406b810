package apigateway

import (
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// restAPI is one REST API: its working resource tree, the deployments
// (frozen copies of that tree) and the stages that serve them.
type restAPI struct {
	ID                        string                 `json:"id"`
	Region                    string                 `json:"region,omitempty"`
	Name                      string                 `json:"name"`
	Description               string                 `json:"description,omitempty"`
	Version                   string                 `json:"version,omitempty"`
	Created                   time.Time              `json:"created"`
	APIKeySource              string                 `json:"apiKeySource"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes,omitempty"`
	EndpointTypes             []string               `json:"endpointTypes"`
	DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint,omitempty"`
	Policy                    string                 `json:"policy,omitempty"`
	Tags                      map[string]string      `json:"tags,omitempty"`
	RootID                    string                 `json:"rootId"`
	Resources                 map[string]*resource   `json:"resources"`
	Deployments               map[string]*deployment `json:"deployments"`
	Stages                    map[string]*stage      `json:"stages"`
	Authorizers               map[string]*authorizer `json:"authorizers,omitempty"`
}

func (a *restAPI) normalize() {
	if a.Resources == nil {
		a.Resources = map[string]*resource{}
	}
	if a.Deployments == nil {
		a.Deployments = map[string]*deployment{}
	}
	if a.Stages == nil {
		a.Stages = map[string]*stage{}
	}
	if a.Authorizers == nil {
		a.Authorizers = map[string]*authorizer{}
	}
}

type endpointConfiguration struct {
	Types []string `json:"types"`
}

// restAPIOut is the RestApi shape on the wire.
type restAPIOut struct {
	ID                        string                `json:"id"`
	Name                      string                `json:"name"`
	Description               string                `json:"description,omitempty"`
	Version                   string                `json:"version,omitempty"`
	CreatedDate               int64                 `json:"createdDate"`
	APIKeySource              string                `json:"apiKeySource"`
	BinaryMediaTypes          []string              `json:"binaryMediaTypes,omitempty"`
	EndpointConfiguration     endpointConfiguration `json:"endpointConfiguration"`
	DisableExecuteAPIEndpoint bool                  `json:"disableExecuteApiEndpoint"`
	Policy                    string                `json:"policy,omitempty"`
	Tags                      map[string]string     `json:"tags,omitempty"`
	RootResourceID            string                `json:"rootResourceId"`
	APIStatus                 string                `json:"apiStatus"`
}

func (a *restAPI) out() restAPIOut {
	return restAPIOut{
		ID: a.ID, Name: a.Name, Description: a.Description, Version: a.Version,
		CreatedDate: a.Created.Unix(), APIKeySource: a.APIKeySource, BinaryMediaTypes: a.BinaryMediaTypes,
		EndpointConfiguration: endpointConfiguration{Types: a.EndpointTypes}, DisableExecuteAPIEndpoint: a.DisableExecuteAPIEndpoint,
		Policy: a.Policy, Tags: a.Tags, RootResourceID: a.RootID, APIStatus: "AVAILABLE",
	}
}

// api finds a REST API of the region; callers hold s.mu.
func (s *Service) api(region, id string) (*restAPI, *protocol.Error) {
	a, ok := s.st.APIs[id]
	if !ok || !visible(a.Region, region) {
		return nil, protocol.NotFound("NotFoundException", "Invalid API identifier specified %s:%s", protocol.AccountID, id)
	}
	return a, nil
}

func createRestAPI(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		Name                      string                 `json:"name"`
		Description               string                 `json:"description"`
		Version                   string                 `json:"version"`
		CloneFrom                 string                 `json:"cloneFrom"`
		BinaryMediaTypes          []string               `json:"binaryMediaTypes"`
		APIKeySource              string                 `json:"apiKeySource"`
		EndpointConfiguration     *endpointConfiguration `json:"endpointConfiguration"`
		Policy                    string                 `json:"policy"`
		Tags                      map[string]string      `json:"tags"`
		DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, protocol.BadRequest("BadRequestException", "Invalid REST API name specified: name is required")
	}
	switch in.APIKeySource {
	case "":
		in.APIKeySource = "HEADER"
	case "HEADER", "AUTHORIZER":
	default:
		return nil, protocol.BadRequest("BadRequestException", "Invalid API Key source specified: %s (HEADER or AUTHORIZER)", in.APIKeySource)
	}
	types := []string{"EDGE"}
	if in.EndpointConfiguration != nil && len(in.EndpointConfiguration.Types) > 0 {
		types = in.EndpointConfiguration.Types
		for _, t := range types {
			if t != "EDGE" && t != "REGIONAL" && t != "PRIVATE" {
				return nil, protocol.BadRequest("BadRequestException", "Invalid endpoint type specified: %s", t)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &restAPI{
		ID: protocol.AlnumID(10), Region: c.region, Name: in.Name, Description: in.Description, Version: in.Version,
		Created: s.now(), APIKeySource: in.APIKeySource, BinaryMediaTypes: in.BinaryMediaTypes,
		EndpointTypes: types, DisableExecuteAPIEndpoint: in.DisableExecuteAPIEndpoint, Policy: in.Policy, Tags: in.Tags,
	}
	a.normalize()
	if in.CloneFrom != "" {
		src, err := s.api(c.region, in.CloneFrom)
		if err != nil {
			return nil, err
		}
		a.Resources = cloneResources(src.Resources)
		a.RootID = src.RootID
	} else {
		root := &resource{ID: protocol.AlnumID(10)}
		a.Resources[root.ID] = root
		a.RootID = root.ID
	}
	s.st.APIs[a.ID] = a
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(a.out()), nil
}

func getRestAPI(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	return frozen(a.out()), nil
}

func getRestAPIs(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := make([]*restAPI, 0, len(s.st.APIs))
	for _, a := range s.st.APIs {
		if visible(a.Region, c.region) {
			all = append(all, a)
		}
	}
	items, pos, err := page(c, all, func(a *restAPI) string { return a.ID })
	if err != nil {
		return nil, err
	}
	out := struct {
		Items    []restAPIOut `json:"item"`
		Position string       `json:"position,omitempty"`
	}{Items: []restAPIOut{}, Position: pos}
	for _, a := range items {
		out.Items = append(out.Items, a.out())
	}
	return frozen(out), nil
}

func deleteRestAPI(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	delete(s.st.APIs, a.ID)
	return nil, s.commit()
}

func updateRestAPI(s *Service, c *call) (any, *protocol.Error) {
	ops, perr := c.patchOps()
	if perr != nil {
		return nil, perr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	next := *a
	for _, op := range ops {
		switch {
		case op.Op == "replace" && op.Path == "/name":
			if op.Value == "" {
				return nil, protocol.BadRequest("BadRequestException", "Invalid REST API name specified")
			}
			next.Name = op.Value
		case op.Op == "replace" && op.Path == "/description":
			next.Description = op.Value
		case op.Op == "replace" && op.Path == "/version":
			next.Version = op.Value
		case op.Op == "replace" && op.Path == "/apiKeySource":
			if op.Value != "HEADER" && op.Value != "AUTHORIZER" {
				return nil, protocol.BadRequest("BadRequestException", "Invalid API Key source specified: %s", op.Value)
			}
			next.APIKeySource = op.Value
		case op.Op == "replace" && op.Path == "/disableExecuteApiEndpoint":
			next.DisableExecuteAPIEndpoint = op.Value == "true"
		default:
			return nil, unsupportedPatch(op)
		}
	}
	*a = next
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(a.out()), nil
}

// childOf finds the API of the path's restapi_id, then its child named by
// the path parameter param in the map children picks, or API Gateway's
// NotFoundException for a child of that kind; callers hold s.mu.
func childOf[T any](s *Service, c *call, children func(*restAPI) map[string]T, param, kind string) (*restAPI, T, *protocol.Error) {
	var none T
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, none, err
	}
	child, ok := children(a)[c.param(param)]
	if !ok {
		return nil, none, protocol.NotFound("NotFoundException", "Invalid %s identifier specified", kind)
	}
	return a, child, nil
}
