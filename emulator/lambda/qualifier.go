package lambda

import (
	"math/rand/v2"
	"net/http"
	"regexp"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// qualifierPattern is botocore's Qualifier pattern (query parameters).
const qualifierPattern = `(|[a-zA-Z0-9$_-]+)`

var (
	qualifierRE = regexp.MustCompile(`^[a-zA-Z0-9$_-]{1,128}$`)
	versionRE   = regexp.MustCompile(`^[0-9]+$`)
)

// checkQualifier validates a Qualifier query parameter.
func checkQualifier(q string) *protocol.Error {
	if !qualifierRE.MatchString(q) {
		return validationError(constraint(q, "qualifier", "Member must satisfy regular expression pattern: "+qualifierPattern))
	}
	return nil
}

// isVersion tells a version number from an alias name (an alias is never
// all digits).
func isVersion(q string) bool { return versionRE.MatchString(q) }

// target is what a function reference names: $LATEST, a published version
// or an alias of one.
type target struct {
	fn    *function // the function ($LATEST record)
	ver   *function // the record whose code and configuration apply
	alias *alias    // set when named through an alias
	arn   string    // the ARN as addressed: unqualified, :$LATEST, :3 or :live
}

// resolve finds what r names; callers hold s.mu. Unknown versions and
// aliases are "Function not found" with the qualified ARN, as on AWS.
func (s *Service) resolve(region string, r ref) (target, error) {
	if r.Region != "" {
		region = r.Region
	}
	f, ok := s.functions[key(region, r.Name)]
	if !ok {
		if r.Qualifier != "" {
			return target{}, errQualifiedNotFound(region, r.Name, r.Qualifier)
		}
		return target{}, errNotFound(region, r.Name)
	}
	t := target{fn: f, ver: f, arn: f.arn()}
	switch q := r.Qualifier; {
	case q == "":
	case q == latest:
		t.arn += ":" + latest
	case isVersion(q):
		v := f.version(q)
		if v == nil {
			return target{}, errQualifiedNotFound(region, r.Name, q)
		}
		t.ver, t.arn = v, v.arn()
	default:
		a := f.alias(q)
		if a == nil {
			return target{}, errQualifiedNotFound(region, r.Name, q)
		}
		t.alias, t.arn = a, f.arn()+":"+a.Name
		if t.ver = f.version(a.FunctionVersion); t.ver == nil {
			t.ver = f // an alias of $LATEST
		}
	}
	return t, nil
}

// pick chooses the version an invocation runs: an alias with routing sends
// the given share of invocations to its additional version.
func (t target) pick() *function {
	if t.alias == nil {
		return t.ver
	}
	for v, weight := range t.alias.Weights {
		if other := t.fn.version(v); other != nil && rand.Float64() < weight {
			return other
		}
	}
	return t.ver
}

// version returns the published version numbered q, or nil.
func (f *function) version(q string) *function {
	for _, v := range f.Versions {
		if v.Version == q {
			return v
		}
	}
	return nil
}

// alias returns the alias named name, or nil.
func (f *function) alias(name string) *alias {
	for _, a := range f.Aliases {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// latestVersion is the highest published version, or nil.
func (f *function) latestVersion() *function {
	if len(f.Versions) == 0 {
		return nil
	}
	return f.Versions[len(f.Versions)-1]
}

// usesCode tells whether $LATEST or any version still runs the code with
// this digest, which must then be kept.
func (f *function) usesCode(hexSum string) bool {
	if f.CodeHex == hexSum {
		return true
	}
	for _, v := range f.Versions {
		if v.CodeHex == hexSum {
			return true
		}
	}
	return false
}

// codeDigests lists every digest $LATEST and the versions use, once each.
func (f *function) codeDigests() []string {
	seen := map[string]bool{f.CodeHex: true}
	out := []string{f.CodeHex}
	for _, v := range f.Versions {
		if !seen[v.CodeHex] {
			seen[v.CodeHex] = true
			out = append(out, v.CodeHex)
		}
	}
	return out
}

// records lists $LATEST and every published version.
func (f *function) records() []*function {
	return append([]*function{f}, f.Versions...)
}

// arns lists the ARN of $LATEST and of every version: the keys of their
// warm process pools.
func (f *function) arns() []string {
	out := []string{f.arn()}
	for _, v := range f.Versions {
		out = append(out, v.arn())
	}
	return out
}

// errRevisionMismatch is AWS's answer to a change based on a stale RevisionId.
func errRevisionMismatch() *protocol.Error {
	return protocol.Errorf(http.StatusPreconditionFailed, "PreconditionFailedException",
		"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}

func errQualifiedNotFound(region, name, qualifier string) *protocol.Error {
	return protocol.NotFound("ResourceNotFoundException", "Function not found: %s:%s", functionARN(region, name), qualifier)
}
