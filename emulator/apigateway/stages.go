package apigateway

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// stage is a named pointer to a deployment, with its stage variables.
type stage struct {
	Name                string            `json:"name"`
	DeploymentID        string            `json:"deploymentId"`
	Description         string            `json:"description,omitempty"`
	Variables           map[string]string `json:"variables,omitempty"`
	TracingEnabled      bool              `json:"tracingEnabled,omitempty"`
	CacheClusterEnabled bool              `json:"cacheClusterEnabled,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
	Created             time.Time         `json:"created"`
	Updated             time.Time         `json:"updated"`
}

type stageOut struct {
	DeploymentID        string            `json:"deploymentId"`
	StageName           string            `json:"stageName"`
	Description         string            `json:"description,omitempty"`
	CacheClusterEnabled bool              `json:"cacheClusterEnabled"`
	CacheClusterStatus  string            `json:"cacheClusterStatus"`
	MethodSettings      map[string]any    `json:"methodSettings"`
	Variables           map[string]string `json:"variables,omitempty"`
	TracingEnabled      bool              `json:"tracingEnabled"`
	Tags                map[string]string `json:"tags,omitempty"`
	CreatedDate         int64             `json:"createdDate"`
	LastUpdatedDate     int64             `json:"lastUpdatedDate"`
}

func (st *stage) out() stageOut {
	return stageOut{
		DeploymentID: st.DeploymentID, StageName: st.Name, Description: st.Description,
		CacheClusterEnabled: st.CacheClusterEnabled, CacheClusterStatus: "NOT_AVAILABLE", MethodSettings: map[string]any{},
		Variables: st.Variables, TracingEnabled: st.TracingEnabled, Tags: st.Tags,
		CreatedDate: st.Created.Unix(), LastUpdatedDate: st.Updated.Unix(),
	}
}

func isWordChars(s string) bool {
	for _, ch := range s {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_') {
			return false
		}
	}
	return s != ""
}

// validStageName is API Gateway's rule; it also keeps stage names usable as
// the first segment of execute URLs.
func validStageName(name string) bool {
	return len(name) <= 128 && isWordChars(name)
}

func invalidStageName() *protocol.Error {
	return protocol.BadRequest("BadRequestException", "Stage name only allows a-zA-Z0-9_")
}

func validVariables(vars map[string]string) *protocol.Error {
	for k := range vars {
		if len(k) > 64 || !isWordChars(k) {
			return protocol.BadRequest("BadRequestException", "Stage variable name %q only allows a-zA-Z0-9_", k)
		}
	}
	return nil
}

// stage finds a stage of the API; callers hold s.mu.
func (s *Service) stage(c *call) (*restAPI, *stage, *protocol.Error) {
	return childOf(s, c, func(a *restAPI) map[string]*stage { return a.Stages }, "stage_name", "Stage")
}

func createStage(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		StageName           string            `json:"stageName"`
		DeploymentID        string            `json:"deploymentId"`
		Description         string            `json:"description"`
		Variables           map[string]string `json:"variables"`
		TracingEnabled      bool              `json:"tracingEnabled"`
		CacheClusterEnabled bool              `json:"cacheClusterEnabled"`
		Tags                map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if !validStageName(in.StageName) {
		return nil, invalidStageName()
	}
	if in.DeploymentID == "" {
		return nil, protocol.BadRequest("BadRequestException", "Invalid deployment identifier specified: deploymentId is required")
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
	if _, ok := a.Deployments[in.DeploymentID]; !ok {
		return nil, protocol.NotFound("NotFoundException", "Invalid Deployment identifier specified")
	}
	if _, ok := a.Stages[in.StageName]; ok {
		return nil, protocol.Conflict("ConflictException", "Stage already exists")
	}
	now := s.now()
	st := &stage{
		Name: in.StageName, DeploymentID: in.DeploymentID, Description: in.Description, Variables: in.Variables,
		TracingEnabled: in.TracingEnabled, CacheClusterEnabled: in.CacheClusterEnabled, Tags: in.Tags, Created: now, Updated: now,
	}
	a.Stages[st.Name] = st
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(st.out()), nil
}

func getStage(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, st, err := s.stage(c)
	if err != nil {
		return nil, err
	}
	return frozen(st.out()), nil
}

func getStages(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, err := s.api(c.region, c.param("restapi_id"))
	if err != nil {
		return nil, err
	}
	out := struct {
		Items []stageOut `json:"item"`
	}{Items: []stageOut{}}
	only := c.query.Get("deploymentId")
	for _, st := range sortedStages(a) {
		if only == "" || st.DeploymentID == only {
			out.Items = append(out.Items, st.out())
		}
	}
	return frozen(out), nil
}

func sortedStages(a *restAPI) []*stage {
	names := slices.Sorted(maps.Keys(a.Stages))
	out := make([]*stage, len(names))
	for i, n := range names {
		out[i] = a.Stages[n]
	}
	return out
}

func updateStage(s *Service, c *call) (any, *protocol.Error) {
	ops, perr := c.patchOps()
	if perr != nil {
		return nil, perr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, st, err := s.stage(c)
	if err != nil {
		return nil, err
	}
	next := *st
	next.Variables = map[string]string{}
	for k, v := range st.Variables {
		next.Variables[k] = v
	}
	for _, op := range ops {
		if name, ok := strings.CutPrefix(op.Path, "/variables/"); ok {
			name = unescapePatchKey(name)
			switch op.Op {
			case "replace", "add":
				if err := validVariables(map[string]string{name: op.Value}); err != nil {
					return nil, err
				}
				next.Variables[name] = op.Value
			case "remove":
				delete(next.Variables, name)
			default:
				return nil, unsupportedPatch(op)
			}
			continue
		}
		switch {
		case op.Op == "replace" && op.Path == "/deploymentId":
			if _, ok := a.Deployments[op.Value]; !ok {
				return nil, protocol.BadRequest("BadRequestException", "Invalid deployment identifier specified: %s", op.Value)
			}
			next.DeploymentID = op.Value
		case op.Op == "replace" && op.Path == "/description":
			next.Description = op.Value
		case op.Op == "replace" && op.Path == "/tracingEnabled":
			next.TracingEnabled = op.Value == "true"
		case op.Op == "replace" && op.Path == "/cacheClusterEnabled":
			next.CacheClusterEnabled = op.Value == "true"
		default:
			return nil, unsupportedPatch(op)
		}
	}
	if len(next.Variables) == 0 {
		next.Variables = nil
	}
	next.Updated = s.now()
	*st = next
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(st.out()), nil
}

func deleteStage(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, st, err := s.stage(c)
	if err != nil {
		return nil, err
	}
	delete(a.Stages, st.Name)
	return nil, s.commit()
}
