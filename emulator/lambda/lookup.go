package lambda

import (
	"maps"
	"strings"
)

// ResourceTags returns the tags of the function an ARN names
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]), for
// aws:ResourceTag conditions. ok is false for anything else.
func (s *Service) ResourceTags(arn string) (map[string]string, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.functions[key(parts[3], parts[6])]
	if !ok {
		return nil, false
	}
	return maps.Clone(f.Tags), true
}
