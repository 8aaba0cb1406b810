package ec2

import "strings"

// ResourceTags returns the tags of the instance an ARN names
// (arn:aws:ec2:REGION:ACCOUNT:instance/ID), for aws:ResourceTag and
// ec2:ResourceTag conditions. ok is false for anything else.
func (s *Service) ResourceTags(arn string) (map[string]string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "ec2" {
		return nil, false
	}
	id, ok := strings.CutPrefix(parts[5], "instance/")
	if !ok {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	in, ok := s.instances[id]
	if !ok || in.Region != parts[3] {
		return nil, false
	}
	tags := make(map[string]string, len(in.Tags))
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	return tags, true
}
