package ec2

import "strings"

// ResourceTags returns the tags of the resource an ARN names
// (arn:aws:ec2:REGION:ACCOUNT:TYPE/ID, TYPE one of instance, key-pair,
// vpc, subnet, security-group, internet-gateway, route-table), for
// aws:ResourceTag and ec2:ResourceTag conditions. ok is false for
// anything else.
func (s *Service) ResourceTags(arn string) (map[string]string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "ec2" {
		return nil, false
	}
	kind, id, ok := strings.Cut(parts[5], "/")
	if !ok {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.findTaggedLocked(parts[3], id)
	if err != nil || t.kind != kind {
		return nil, false
	}
	tags := make(map[string]string, len(t.tags))
	for _, tag := range t.tags {
		tags[tag.Key] = tag.Value
	}
	return tags, true
}
