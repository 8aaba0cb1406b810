package apigateway

import (
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// apiKey is a key callers send in x-api-key; it opens methods with
// apiKeyRequired once a usage plan links it to the API's stage.
type apiKey struct {
	ID          string            `json:"id"`
	Region      string            `json:"region,omitempty"`
	Value       string            `json:"value"`
	Name        string            `json:"name,omitempty"`
	Description string            `json:"description,omitempty"`
	CustomerID  string            `json:"customerId,omitempty"`
	Enabled     bool              `json:"enabled"`
	StageKeys   []string          `json:"stageKeys,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
}

type apiKeyOut struct {
	ID              string            `json:"id"`
	Value           string            `json:"value,omitempty"`
	Name            string            `json:"name,omitempty"`
	Description     string            `json:"description,omitempty"`
	CustomerID      string            `json:"customerId,omitempty"`
	Enabled         bool              `json:"enabled"`
	StageKeys       []string          `json:"stageKeys"`
	Tags            map[string]string `json:"tags,omitempty"`
	CreatedDate     int64             `json:"createdDate"`
	LastUpdatedDate int64             `json:"lastUpdatedDate"`
}

// out renders k; AWS shows the value only on creation or when asked.
func (k *apiKey) out(withValue bool) apiKeyOut {
	out := apiKeyOut{
		ID: k.ID, Name: k.Name, Description: k.Description, CustomerID: k.CustomerID, Enabled: k.Enabled,
		StageKeys: k.StageKeys, Tags: k.Tags, CreatedDate: k.Created.Unix(), LastUpdatedDate: k.Updated.Unix(),
	}
	if out.StageKeys == nil {
		out.StageKeys = []string{}
	}
	if withValue {
		out.Value = k.Value
	}
	return out
}

const keyChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newKeyValue generates a 40-character key, the length AWS generates.
func newKeyValue() string {
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = keyChars[int(b[i])%len(keyChars)]
	}
	return string(b)
}

func (s *Service) apiKey(region, id string) (*apiKey, *protocol.Error) {
	k, ok := s.st.APIKeys[id]
	if !ok || !visible(k.Region, region) {
		return nil, protocol.NotFound("NotFoundException", "Invalid API Key identifier specified")
	}
	return k, nil
}

func createAPIKey(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		Name        string            `json:"name"`
		Description string            `json:"description"`
		Enabled     bool              `json:"enabled"`
		Value       string            `json:"value"`
		CustomerID  string            `json:"customerId"`
		Tags        map[string]string `json:"tags"`
		StageKeys   []struct {
			RestAPIID string `json:"restApiId"`
			StageName string `json:"stageName"`
		} `json:"stageKeys"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Value != "" && len(in.Value) < 20 {
		return nil, protocol.BadRequest("BadRequestException", "API Key value should be at least 20 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Value == "" {
		in.Value = newKeyValue()
	}
	for _, k := range s.st.APIKeys {
		if k.Value == in.Value {
			return nil, protocol.Conflict("ConflictException", "API Key already exists")
		}
	}
	now := s.now()
	k := &apiKey{
		ID: protocol.AlnumID(10), Region: c.region, Value: in.Value, Name: in.Name, Description: in.Description, CustomerID: in.CustomerID,
		Enabled: in.Enabled, Tags: in.Tags, Created: now, Updated: now,
	}
	for _, sk := range in.StageKeys {
		a, err := s.api(c.region, sk.RestAPIID)
		if err != nil {
			return nil, err
		}
		if _, ok := a.Stages[sk.StageName]; !ok {
			return nil, protocol.BadRequest("BadRequestException", "Invalid stage key: %s/%s", sk.RestAPIID, sk.StageName)
		}
		k.StageKeys = append(k.StageKeys, sk.RestAPIID+"/"+sk.StageName)
	}
	s.st.APIKeys[k.ID] = k
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(k.out(true)), nil
}

func getAPIKey(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, err := s.apiKey(c.region, c.param("api_Key"))
	if err != nil {
		return nil, err
	}
	return frozen(k.out(boolQuery(c, "includeValue"))), nil
}

func getAPIKeys(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, customer := c.query.Get("name"), c.query.Get("customerId")
	var all []*apiKey
	for _, k := range s.st.APIKeys {
		if visible(k.Region, c.region) && strings.HasPrefix(k.Name, name) && (customer == "" || k.CustomerID == customer) {
			all = append(all, k)
		}
	}
	items, pos, err := page(c, all, func(k *apiKey) string { return k.ID })
	if err != nil {
		return nil, err
	}
	out := struct {
		Items    []apiKeyOut `json:"item"`
		Position string      `json:"position,omitempty"`
	}{Items: []apiKeyOut{}, Position: pos}
	withValues := boolQuery(c, "includeValues")
	for _, k := range items {
		out.Items = append(out.Items, k.out(withValues))
	}
	return frozen(out), nil
}

func deleteAPIKey(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.apiKey(c.region, c.param("api_Key"))
	if err != nil {
		return nil, err
	}
	delete(s.st.APIKeys, k.ID)
	for _, p := range s.st.UsagePlans {
		p.Keys = slices.DeleteFunc(p.Keys, func(id string) bool { return id == k.ID })
	}
	return nil, s.commit()
}

// keyAllows reports whether the enabled key with this value may call the
// API's stage: a usage plan must hold both (it is returned, for its
// throttle and quota). Callers hold s.mu.
func (s *Service) keyAllows(value, apiID, stageName string) (*apiKey, *usagePlan, bool) {
	if value == "" {
		return nil, nil, false
	}
	for _, k := range s.st.APIKeys {
		if k.Value != value || !k.Enabled {
			continue
		}
		for _, p := range s.st.UsagePlans {
			if slices.Contains(p.Keys, k.ID) && p.covers(apiID, stageName) {
				return k, p, true
			}
		}
	}
	return nil, nil, false
}
