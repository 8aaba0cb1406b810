package apigateway

import (
	"sort"
	"time"
)

// What the console's resource browser reads: each REST API with its
// routes (the current resource tree) and its stages.

// APIView is one REST API.
type APIView struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Created     time.Time         `json:"createdDate"`
	Tags        map[string]string `json:"tags,omitempty"`
	Stages      []StageView       `json:"stages"`
	Routes      []RouteView       `json:"routes"`
}

// StageView is a stage and the deployment it serves.
type StageView struct {
	Name         string    `json:"stageName"`
	DeploymentID string    `json:"deploymentId"`
	Deployed     time.Time `json:"deployedDate"`
}

// RouteView is one method of one resource.
type RouteView struct {
	Path          string `json:"path"`
	Method        string `json:"httpMethod"`
	Authorization string `json:"authorizationType"`
	APIKey        bool   `json:"apiKeyRequired,omitempty"`
	Integration   string `json:"integration,omitempty"` // AWS_PROXY, MOCK...
	// Target is the function ARN of a Lambda integration, else the URI.
	Target string `json:"target,omitempty"`
}

// APIs lists the REST APIs by name.
func (s *Service) APIs() []APIView {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]APIView, 0, len(s.st.APIs))
	for _, a := range s.st.APIs {
		v := APIView{ID: a.ID, Name: a.Name, Description: a.Description, Created: a.Created.UTC(), Stages: []StageView{}, Routes: []RouteView{}}
		if len(a.Tags) > 0 {
			v.Tags = make(map[string]string, len(a.Tags))
			for k, val := range a.Tags {
				v.Tags[k] = val
			}
		}
		for _, st := range a.Stages {
			sv := StageView{Name: st.Name, DeploymentID: st.DeploymentID}
			if d, ok := a.Deployments[st.DeploymentID]; ok {
				sv.Deployed = d.Created.UTC()
			}
			v.Stages = append(v.Stages, sv)
		}
		sort.Slice(v.Stages, func(i, j int) bool { return v.Stages[i].Name < v.Stages[j].Name })
		for _, r := range a.Resources {
			path := resourcePath(a.Resources, r)
			for verb, m := range r.Methods {
				rv := RouteView{Path: path, Method: verb, Authorization: m.AuthorizationType, APIKey: m.APIKeyRequired}
				if in := m.Integration; in != nil {
					rv.Integration, rv.Target = in.Type, in.URI
					if _, fn, ok := lambdaTarget(in.URI); ok {
						rv.Target = fn
					}
				}
				v.Routes = append(v.Routes, rv)
			}
		}
		sort.Slice(v.Routes, func(i, j int) bool {
			if v.Routes[i].Path != v.Routes[j].Path {
				return v.Routes[i].Path < v.Routes[j].Path
			}
			return v.Routes[i].Method < v.Routes[j].Method
		})
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].ID < out[j].Name+out[j].ID })
	return out
}
