package apigateway

import (
	"slices"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// usagePlan links API keys to API stages; its throttle and quota apply to
// the calls made with those keys (throttle.go).
type usagePlan struct {
	ID          string            `json:"id"`
	Region      string            `json:"region,omitempty"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	APIStages   []apiStage        `json:"apiStages"`
	Throttle    *throttleSettings `json:"throttle,omitempty"`
	Quota       *quotaSettings    `json:"quota,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Keys        []string          `json:"keys,omitempty"`
}

type apiStage struct {
	APIID string `json:"apiId"`
	Stage string `json:"stage"`
}

type usagePlanOut struct {
	ID          string            `json:"id"`
	Region      string            `json:"region,omitempty"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	APIStages   []apiStage        `json:"apiStages"`
	Throttle    *throttleSettings `json:"throttle,omitempty"`
	Quota       *quotaSettings    `json:"quota,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

func (p *usagePlan) out() usagePlanOut {
	out := usagePlanOut{ID: p.ID, Name: p.Name, Description: p.Description, APIStages: p.APIStages, Throttle: p.Throttle, Quota: p.Quota, Tags: p.Tags}
	if out.APIStages == nil {
		out.APIStages = []apiStage{}
	}
	return out
}

func (p *usagePlan) covers(apiID, stageName string) bool {
	return slices.Contains(p.APIStages, apiStage{APIID: apiID, Stage: stageName})
}

func (s *Service) usagePlan(region, id string) (*usagePlan, *protocol.Error) {
	p, ok := s.st.UsagePlans[id]
	if !ok || !visible(p.Region, region) {
		return nil, protocol.NotFound("NotFoundException", "Invalid Usage Plan ID specified")
	}
	return p, nil
}

func createUsagePlan(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		Name        string            `json:"name"`
		Description string            `json:"description"`
		APIStages   []apiStage        `json:"apiStages"`
		Throttle    *throttleSettings `json:"throttle"`
		Quota       *quotaSettings    `json:"quota"`
		Tags        map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, protocol.BadRequest("BadRequestException", "Invalid usage plan name specified: name is required")
	}
	if err := validateLimits(in.Throttle, in.Quota); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, as := range in.APIStages {
		a, err := s.api(c.region, as.APIID)
		if err != nil || a.Stages[as.Stage] == nil {
			return nil, protocol.BadRequest("BadRequestException", "Invalid API Stage {api: %s, stage: %s} specified for usageplan", as.APIID, as.Stage)
		}
	}
	p := &usagePlan{ID: protocol.AlnumID(6), Region: c.region, Name: in.Name, Description: in.Description, APIStages: in.APIStages, Throttle: in.Throttle, Quota: in.Quota, Tags: in.Tags}
	s.st.UsagePlans[p.ID] = p
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(p.out()), nil
}

func getUsagePlan(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.usagePlan(c.region, c.param("usageplanId"))
	if err != nil {
		return nil, err
	}
	return frozen(p.out()), nil
}

func getUsagePlans(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keyID := c.query.Get("keyId")
	var all []*usagePlan
	for _, p := range s.st.UsagePlans {
		if visible(p.Region, c.region) && (keyID == "" || slices.Contains(p.Keys, keyID)) {
			all = append(all, p)
		}
	}
	items, pos, err := page(c, all, func(p *usagePlan) string { return p.ID })
	if err != nil {
		return nil, err
	}
	out := struct {
		Items    []usagePlanOut `json:"item"`
		Position string         `json:"position,omitempty"`
	}{Items: []usagePlanOut{}, Position: pos}
	for _, p := range items {
		out.Items = append(out.Items, p.out())
	}
	return frozen(out), nil
}

func deleteUsagePlan(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.usagePlan(c.region, c.param("usageplanId"))
	if err != nil {
		return nil, err
	}
	delete(s.st.UsagePlans, p.ID)
	return nil, s.commit()
}

type usagePlanKeyOut struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Value string `json:"value"`
	Name  string `json:"name,omitempty"`
}

func planKeyOut(k *apiKey) usagePlanKeyOut {
	return usagePlanKeyOut{ID: k.ID, Type: "API_KEY", Value: k.Value, Name: k.Name}
}

func createUsagePlanKey(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		KeyID   string `json:"keyId"`
		KeyType string `json:"keyType"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.KeyType != "API_KEY" {
		return nil, protocol.BadRequest("BadRequestException", "Invalid key type specified: %q. The only supported type is API_KEY", in.KeyType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.usagePlan(c.region, c.param("usageplanId"))
	if err != nil {
		return nil, err
	}
	k, err := s.apiKey(c.region, in.KeyID)
	if err != nil {
		return nil, err
	}
	if slices.Contains(p.Keys, k.ID) {
		return nil, protocol.Conflict("ConflictException", "Usage Plan %s already contains API Key %s", p.ID, k.ID)
	}
	p.Keys = append(p.Keys, k.ID)
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(planKeyOut(k)), nil
}

// usagePlanKey finds a key of the plan; callers hold s.mu.
func (s *Service) usagePlanKey(c *call) (*usagePlan, *apiKey, *protocol.Error) {
	p, err := s.usagePlan(c.region, c.param("usageplanId"))
	if err != nil {
		return nil, nil, err
	}
	id := c.param("keyId")
	k, ok := s.st.APIKeys[id]
	if !ok || !slices.Contains(p.Keys, id) {
		return nil, nil, protocol.NotFound("NotFoundException", "Invalid Usage Plan Key identifier specified")
	}
	return p, k, nil
}

func getUsagePlanKey(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, k, err := s.usagePlanKey(c)
	if err != nil {
		return nil, err
	}
	return frozen(planKeyOut(k)), nil
}

func getUsagePlanKeys(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.usagePlan(c.region, c.param("usageplanId"))
	if err != nil {
		return nil, err
	}
	name := c.query.Get("name")
	var all []*apiKey
	for _, id := range p.Keys {
		if k, ok := s.st.APIKeys[id]; ok && strings.HasPrefix(k.Name, name) {
			all = append(all, k)
		}
	}
	items, pos, err := page(c, all, func(k *apiKey) string { return k.ID })
	if err != nil {
		return nil, err
	}
	out := struct {
		Items    []usagePlanKeyOut `json:"item"`
		Position string            `json:"position,omitempty"`
	}{Items: []usagePlanKeyOut{}, Position: pos}
	for _, k := range items {
		out.Items = append(out.Items, planKeyOut(k))
	}
	return frozen(out), nil
}

func deleteUsagePlanKey(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, k, err := s.usagePlanKey(c)
	if err != nil {
		return nil, err
	}
	p.Keys = slices.DeleteFunc(p.Keys, func(id string) bool { return id == k.ID })
	return nil, s.commit()
}
