package ec2

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// tagSpecifications reads the TagSpecification.N parameters of a create
// call (ResourceType and Tag.M.Key/Value) and returns the tags of each
// resource type, merged across the specifications that name it. A type
// that would get more than maxTags tags is refused with TagLimitExceeded
// before anything is created, however the tags are spread over
// specifications, as AWS counts them per resource. taggable lists the
// resource types the operation creates; another type is an
// InvalidParameterValue.
func tagSpecifications(params url.Values, taggable ...string) (map[string][]protocol.Tag, error) {
	out := map[string][]protocol.Tag{}
	for i := 1; ; i++ {
		prefix := "TagSpecification." + strconv.Itoa(i)
		rt, ok := first(params, prefix+".ResourceType")
		if !ok {
			return out, nil
		}
		if !slices.Contains(taggable, rt) {
			return nil, invalidValue("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		tags, err := parseTags(params, prefix+".Tag")
		if err != nil {
			return nil, err
		}
		if out[rt] = mergeTags(out[rt], tags); len(out[rt]) > maxTags {
			return nil, tagLimit()
		}
	}
}
