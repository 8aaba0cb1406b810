package apigateway

import (
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// tagsOf finds the tag map of the resource an ARN names
// (arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}], /apikeys/{id},
// /usageplans/{id}); callers hold s.mu.
func (s *Service) tagsOf(arn string) (*map[string]string, *protocol.Error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
		return nil, protocol.BadRequest("BadRequestException", "Invalid ARN specified in the request: %s", arn)
	}
	region := parts[3]
	segs := strings.Split(strings.Trim(parts[5], "/"), "/")
	switch {
	case len(segs) == 2 && segs[0] == "restapis":
		a, err := s.api(region, segs[1])
		if err != nil {
			return nil, err
		}
		return &a.Tags, nil
	case len(segs) == 4 && segs[0] == "restapis" && segs[2] == "stages":
		a, err := s.api(region, segs[1])
		if err != nil {
			return nil, err
		}
		st, ok := a.Stages[segs[3]]
		if !ok {
			return nil, protocol.NotFound("NotFoundException", "Invalid Stage identifier specified")
		}
		return &st.Tags, nil
	case len(segs) == 2 && segs[0] == "apikeys":
		k, err := s.apiKey(region, segs[1])
		if err != nil {
			return nil, err
		}
		return &k.Tags, nil
	case len(segs) == 2 && segs[0] == "usageplans":
		p, err := s.usagePlan(region, segs[1])
		if err != nil {
			return nil, err
		}
		return &p.Tags, nil
	}
	return nil, protocol.BadRequest("BadRequestException", "Tagging is not supported by this emulator for %s", arn)
}

func getTags(s *Service, c *call) (any, *protocol.Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tags, err := s.tagsOf(c.param("resource_arn"))
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags map[string]string `json:"tags"`
	}{Tags: *tags}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	return frozen(out), nil
}

func tagResource(s *Service, c *call) (any, *protocol.Error) {
	var in struct {
		Tags map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(c.param("resource_arn"))
	if err != nil {
		return nil, err
	}
	if *tags == nil {
		*tags = map[string]string{}
	}
	for k, v := range in.Tags {
		(*tags)[k] = v
	}
	return nil, s.commit()
}

func untagResource(s *Service, c *call) (any, *protocol.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tags, err := s.tagsOf(c.param("resource_arn"))
	if err != nil {
		return nil, err
	}
	for _, k := range c.query["tagKeys"] {
		delete(*tags, k)
	}
	return nil, s.commit()
}
