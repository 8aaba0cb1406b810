package apigateway

import (
	"sync"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// deployment freezes the API's resource tree at creation: stages serve the
// snapshot, so later edits take effect only on the next deployment, as in AWS.
type deployment struct {
	ID          string               `json:"id"`
	Description string               `json:"description,omitempty"`
	Created     time.Time            `json:"created"`
	RootID      string               `json:"rootId"`
	Resources   map[string]*resource `json:"resources"`
	// Authorizers are frozen with the tree: a changed authorizer takes
	// effect on the next deployment, as in AWS.
	Authorizers map[string]*authorizer `json:"authorizers,omitempty"`

	// The snapshot never changes, so its compiled routes are built once.
	compileOnce sync.Once
	compiled    *routeNode
}

func (d *deployment) routes() *routeNode {
	d.compileOnce.Do(func() { d.compiled = compileRoutes(d.Resources, d.RootID) })
	return d.compiled
}

type deploymentOut struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	CreatedDate int64  `json:"createdDate"`
}

func (d *deployment) out() deploymentOut {
	return deploymentOut{ID: d.ID, Description: d.Description, CreatedDate: d.Created.Unix()}
}

// deployable reports why the API's current tree cannot be deployed.
func deployable(a *restAPI) *protocol.Error {
	methods := 0
	for _, res := range a.Resources {
		for _, m := range res.Methods {
			methods++
			if m.Integration == nil {
				return protocol.BadRequest("BadRequestException", "No integration defined for method")
			}
		}
	}
	if methods == 0 {
		return protocol.BadRequest("BadRequestException", "The REST API doesn't contain any methods")
	}
	return nil
}

func createDeployment(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		StageName           string            `json:"stageName"`
		StageDescription    string            `json:"stageDescription"`
		Description         string            `json:"description"`
		CacheClusterEnabled bool              `json:"cacheClusterEnabled"`
		TracingEnabled      bool              `json:"tracingEnabled"`
		Variables           map[string]string `json:"variables"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.StageName != "" && !validStageName(in.StageName) {
		return nil, invalidStageName()
	}
	if err := validVariables(in.Variables); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	if err := deployable(a); err != nil {
		return nil, err
	}
	now := s.now()
	d := &deployment{ID: protocol.AlnumID(6), Description: in.Description, Created: now, RootID: a.RootID, Resources: cloneResources(a.Resources), Authorizers: cloneAuthorizers(a.Authorizers)}
	a.Deployments[d.ID] = d
	if in.StageName != "" {
		st, ok := a.Stages[in.StageName]
		if !ok {
			st = &stage{Name: in.StageName, Description: in.StageDescription, Created: now, TracingEnabled: in.TracingEnabled}
			a.Stages[st.Name] = st
		}
		st.DeploymentID = d.ID
		st.Updated = now
		// Variables given with a deployment are merged into the stage's.
		for k, v := range in.Variables {
			if st.Variables == nil {
				st.Variables = map[string]string{}
			}
			st.Variables[k] = v
		}
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(d.out()), nil
}

// deployment finds a deployment of the API; callers hold s.mu.
func (s *Service) deployment(c *call) (*restAPI, *deployment, *protocol.Error) {
	return childOf(s, c, func(a *restAPI) map[string]*deployment { return a.Deployments }, "deployment_id", "Deployment")
}

func getDeployment(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, d, err := s.deployment(c)
	if err != nil {
		return nil, err
	}
	return frozen(d.out()), nil
}

func getDeployments(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	all := make([]*deployment, 0, len(a.Deployments))
	for _, d := range a.Deployments {
		all = append(all, d)
	}
	items, pos, err := page(c, all, func(d *deployment) string { return d.ID })
	if err != nil {
		return nil, err
	}
	out := struct {
		Items    []deploymentOut `json:"item"`
		Position string          `json:"position,omitempty"`
	}{Items: []deploymentOut{}, Position: pos}
	for _, d := range items {
		out.Items = append(out.Items, d.out())
	}
	return frozen(out), nil
}

func deleteDeployment(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, d, err := s.deployment(c)
	if err != nil {
		return nil, err
	}
	for _, st := range a.Stages {
		if st.DeploymentID == d.ID {
			return nil, protocol.BadRequest("BadRequestException", "Active stages pointing to this deployment must be moved or deleted")
		}
	}
	delete(a.Deployments, d.ID)
	return nil, s.commit()
}
