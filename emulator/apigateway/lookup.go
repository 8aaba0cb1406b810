package apigateway

import (
	"maps"
	"strings"
)

// ResourceTags returns the tags of the resource an ARN names, for
// aws:ResourceTag conditions: a REST API, a stage, an API key or a usage
// plan; the parts of a REST API (resources, methods, deployments) carry
// the API's tags.
func (s *Service) ResourceTags(arn string) (map[string]string, bool) {
	prefix, path, ok := strings.Cut(arn, "::/")
	if !ok {
		return nil, false
	}
	segs := strings.Split(path, "/")
	if len(segs) > 2 && segs[0] == "restapis" && !(len(segs) == 4 && segs[2] == "stages") {
		segs = segs[:2]
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	tags, err := s.tagsOf(prefix + "::/" + strings.Join(segs, "/"))
	if err != nil {
		return nil, false
	}
	return maps.Clone(*tags), true
}
