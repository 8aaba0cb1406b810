package lambda

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// maxVersionsPage is how many versions ListVersionsByFunction returns at
// most per page, whatever MaxItems asks.
const maxVersionsPage = 50

type publishInput struct {
	CodeSha256  *string `json:"CodeSha256"`
	Description *string `json:"Description"`
	RevisionID  string  `json:"RevisionId"`
}

// publishVersion snapshots $LATEST as a new immutable version. Publishing
// again without a code or configuration change returns the last version.
func (s *Service) publishVersion(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	var in publishInput
	if err := decodeBody(r, "PublishVersion", &in); err != nil {
		return err
	}
	if in.Description != nil && len(*in.Description) > 256 {
		return validationError(constraint(*in.Description, "description", "Member must have length less than or equal to 256"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	if err := s.checkUpdatable(f, in.RevisionID); err != nil {
		return err
	}
	if in.CodeSha256 != nil && *in.CodeSha256 != f.CodeSHA256 {
		return invalidParam("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", *in.CodeSha256, f.CodeSHA256)
	}
	v, added := s.addVersion(f, in.Description)
	if added {
		if err := s.save(); err != nil {
			return err // save put back the last saved state
		}
	}
	protocol.WriteJSON(w, http.StatusCreated, s.configuration(v, s.now()))
	return nil
}

// addVersion adds a version of f's current code and configuration, or
// returns the last version when nothing changed since (added false);
// callers hold s.mu and save, so that the version and the change that
// asked for it are saved, or not, together.
func (s *Service) addVersion(f *function, description *string) (v *function, added bool) {
	if last := f.latestVersion(); last != nil && last.Generation == f.Generation {
		return last, false
	}
	v = f.snapshot(strconv.Itoa(f.LastVersion+1), s.now())
	if description != nil {
		v.Description = *description
	}
	f.Versions = append(slices.Clip(f.Versions), v)
	f.LastVersion++
	f.RevisionID = protocol.RequestID() // publishing changes $LATEST's revision, as on AWS
	return v, true
}

// snapshot copies f's code and configuration into a new version record.
// The version starts Pending for the transition delay, as a new function
// does, and has no policy, tags, versions or aliases of its own.
func (f *function) snapshot(number string, now time.Time) *function {
	v := &function{
		Name: f.Name, Region: f.Region, Runtime: f.Runtime, Role: f.Role, Handler: f.Handler,
		Description: f.Description, Timeout: f.Timeout, MemorySize: f.MemorySize, Env: maps.Clone(f.Env),
		Architectures: slices.Clone(f.Architectures), EphemeralSize: f.EphemeralSize, LogFormat: f.LogFormat,
		LogGroup: f.LogGroup, TracingMode: f.TracingMode, CodeSHA256: f.CodeSHA256, CodeHex: f.CodeHex,
		CodeSize: f.CodeSize, LastModified: f.LastModified, RevisionID: protocol.RequestID(), Created: now,
		Generation: f.Generation, Version: number,
	}
	return v
}

type listVersionsOutput struct {
	Versions   []functionConfiguration `json:"Versions"`
	NextMarker string                  `json:"NextMarker,omitempty"`
}

// listVersions pages through $LATEST (with its qualified ARN) and the
// published versions in ascending order; the marker is the version the
// next page starts at.
func (s *Service) listVersions(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	q := r.URL.Query()
	limit, perr := maxItems(q.Get("MaxItems"), maxVersionsPage)
	if perr != nil {
		return perr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	all := append([]*function{f}, f.Versions...)
	start := 0
	if m := q.Get("Marker"); m != "" {
		start = slices.IndexFunc(all, func(v *function) bool { return v.versionName() == m })
		if start < 0 {
			return invalidParam("The marker %s does not name a version of %s: pass the NextMarker of the previous page.", m, f.Name)
		}
	}
	out := listVersionsOutput{Versions: []functionConfiguration{}}
	now := s.now()
	for i, v := range all[start:] {
		if i == limit {
			out.NextMarker = v.versionName()
			break
		}
		c := s.configuration(v, now)
		if v == f {
			c.FunctionArn += ":" + latest
		}
		out.Versions = append(out.Versions, c)
	}
	protocol.WriteJSON(w, http.StatusOK, out)
	return nil
}

// maxItems parses a MaxItems query parameter, capped at pageCap.
func maxItems(v string, pageCap int) (int, *protocol.Error) {
	if v == "" {
		return pageCap, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, validationError(constraint(v, "maxItems", "Member must have value between 1 and 10000"))
	}
	return min(n, pageCap), nil
}

// deleteVersion removes one published version, refusing $LATEST, aliases
// and a version an alias still routes to; callers hold s.mu.
func (s *Service) deleteVersion(w http.ResponseWriter, region string, rf ref) error {
	switch {
	case rf.Qualifier == latest:
		return invalidParam("$LATEST version cannot be deleted without deleting the function.")
	case !isVersion(rf.Qualifier):
		return invalidParam("Deletion of aliases is not supported.")
	}
	t, err := s.resolve(region, rf)
	if err != nil {
		return err
	}
	f, v := t.fn, t.ver
	if users := f.aliasesOf(v.Version); len(users) > 0 {
		return protocol.Conflict("ResourceConflictException",
			"Unable to delete version because the following aliases reference it: [%s]", strings.Join(users, ", "))
	}
	f.Versions = slices.DeleteFunc(slices.Clone(f.Versions), func(x *function) bool { return x == v })
	if err := s.save(); err != nil {
		return err // save put back the last saved state
	}
	s.evict(v.arn())
	if !f.usesCode(v.CodeHex) {
		s.dropCode(f.Region, f.Name, v.CodeHex)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
