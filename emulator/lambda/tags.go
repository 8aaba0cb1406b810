package lambda

import (
	"maps"
	"net/http"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

const taggablePattern = `arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)`

// maxTags is AWS's limit of tags per function, counted after merging.
const maxTags = 50

// checkTagCount refuses a tag set over the limit, in AWS's words.
func checkTagCount(tags map[string]string) *protocol.Error {
	if len(tags) > maxTags {
		return invalidParam("Number of tags exceeds resource tag limit.")
	}
	return nil
}

// taggedFunction resolves a tagging API's resource ARN; only functions are
// taggable here. Callers hold s.mu.
func (s *Service) taggedFunction(arn string) (*function, error) {
	rf, perr := parseRef(arn)
	if perr != nil || !strings.HasPrefix(arn, "arn:") || rf.Region == "" {
		return nil, validationError(constraint(arn, "resource", "Member must satisfy regular expression pattern: "+taggablePattern))
	}
	return s.lookup("", rf)
}

func (s *Service) listTags(w http.ResponseWriter, arn string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.taggedFunction(arn)
	if err != nil {
		return err
	}
	tags := maps.Clone(f.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	protocol.WriteJSON(w, http.StatusOK, map[string]map[string]string{"Tags": tags})
	return nil
}

func (s *Service) tagResource(w http.ResponseWriter, r *http.Request, arn string) error {
	var in struct {
		Tags map[string]string `json:"Tags"`
	}
	if err := decodeBody(r, "TagResource", &in); err != nil {
		return err
	}
	if in.Tags == nil {
		return validationError(constraint(nil, "tags", "Member must not be null"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.taggedFunction(arn)
	if err != nil {
		return err
	}
	merged := maps.Clone(f.Tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, in.Tags)
	if err := checkTagCount(merged); err != nil {
		return err
	}
	f.Tags = merged
	if err := s.save(); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) untagResource(w http.ResponseWriter, r *http.Request, arn string) error {
	keys := r.URL.Query()["tagKeys"]
	if len(keys) == 0 {
		return validationError(constraint(nil, "tagKeys", "Member must not be null"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.taggedFunction(arn)
	if err != nil {
		return err
	}
	f.Tags = maps.Clone(f.Tags)
	for _, k := range keys {
		delete(f.Tags, k)
	}
	if err := s.save(); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
