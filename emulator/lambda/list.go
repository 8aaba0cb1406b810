package lambda

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// maxFunctionsPage is how many entries ListFunctions returns at most per
// page, whatever MaxItems asks, as on AWS.
const maxFunctionsPage = 50

type listOutput struct {
	Functions  []functionConfiguration `json:"Functions"`
	NextMarker string                  `json:"NextMarker,omitempty"`
}

// listPosition is where a ListFunctions page starts: a function name, and
// with FunctionVersion=ALL a rank among its records ($LATEST is 0, a
// version its number). The marker spells it "name" or "name:version"
// (names hold no colon).
type listPosition struct {
	name string
	rank int
}

func parseListMarker(m string) listPosition {
	name, qualifier, _ := strings.Cut(m, ":")
	rank, _ := strconv.Atoi(qualifier) // $LATEST and "" rank 0
	return listPosition{name: name, rank: rank}
}

func rank(v *function) int {
	n, _ := strconv.Atoi(v.Version) // "" on $LATEST
	return n
}

// listFunctions pages through the region's functions in name order; with
// FunctionVersion=ALL each $LATEST (under its :$LATEST ARN) is followed
// by its published versions, as AWS lists them.
func (s *Service) listFunctions(w http.ResponseWriter, r *http.Request, region string) error {
	q := r.URL.Query()
	limit, perr := maxItems(q.Get("MaxItems"), maxFunctionsPage)
	if perr != nil {
		return perr
	}
	allVersions := false
	switch v := q.Get("FunctionVersion"); v {
	case "":
	case "ALL":
		allVersions = true
	default:
		return validationError(constraint(v, "functionVersion", "Member must satisfy enum value set: [ALL]"))
	}
	from := parseListMarker(q.Get("Marker"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var fns []*function
	for _, f := range s.functions {
		if f.Region == region && f.Name >= from.name {
			fns = append(fns, f)
		}
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	out := listOutput{Functions: []functionConfiguration{}}
	now := s.now()
pages:
	for _, f := range fns {
		records := []*function{f}
		if allVersions {
			records = f.records()
		}
		for _, v := range records {
			if f.Name == from.name && rank(v) < from.rank {
				continue
			}
			if len(out.Functions) == limit {
				out.NextMarker = f.Name
				if allVersions {
					out.NextMarker += ":" + v.versionName()
				}
				break pages
			}
			c := s.configuration(v, now)
			if allVersions && v == f {
				c.FunctionArn += ":" + latest
			}
			out.Functions = append(out.Functions, c)
		}
	}
	protocol.WriteJSON(w, http.StatusOK, out)
	return nil
}
