package lambda

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// alias is a named pointer to a version, optionally sending a share of the
// invocations to a second version. It has its own resource policy.
type alias struct {
	Name            string             `json:"name"`
	FunctionVersion string             `json:"functionVersion"`
	Description     string             `json:"description"`
	Weights         map[string]float64 `json:"weights,omitempty"`
	RevisionID      string             `json:"revisionId"`
	Policy          []statement        `json:"policy,omitempty"`
}

// routingConfig is botocore's AliasRoutingConfiguration.
type routingConfig struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

// aliasConfiguration is botocore's AliasConfiguration.
type aliasConfiguration struct {
	AliasArn        string         `json:"AliasArn"`
	Name            string         `json:"Name"`
	FunctionVersion string         `json:"FunctionVersion"`
	Description     string         `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig,omitempty"`
	RevisionID      string         `json:"RevisionId"`
}

type aliasInput struct {
	Name            *string        `json:"Name"`
	FunctionVersion *string        `json:"FunctionVersion"`
	Description     *string        `json:"Description"`
	RoutingConfig   *routingConfig `json:"RoutingConfig"`
	RevisionID      string         `json:"RevisionId"`
}

const (
	aliasPattern        = `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`
	aliasVersionPattern = `(\$LATEST|[0-9]+)`
	weightsField        = "routingConfig.additionalVersionWeights"
)

var aliasNameRE = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,128}$`)

// checkAliasName validates an alias name: an alias is never all digits,
// which is what tells it from a version.
func checkAliasName(name *string) string {
	switch {
	case name == nil:
		return constraint(nil, "name", "Member must not be null")
	case !aliasNameRE.MatchString(*name) || isVersion(*name):
		return constraint(*name, "name", "Member must satisfy regular expression pattern: "+aliasPattern)
	}
	return ""
}

// constraints checks the model's field constraints; required tells
// CreateAlias (FunctionVersion needed) from UpdateAlias.
func (in *aliasInput) constraints(required bool) []string {
	var out []string
	if in.FunctionVersion == nil && required {
		out = append(out, constraint(nil, "functionVersion", "Member must not be null"))
	}
	if v := in.FunctionVersion; v != nil && *v != latest && !isVersion(*v) {
		out = append(out, constraint(*v, "functionVersion", "Member must satisfy regular expression pattern: "+aliasVersionPattern))
	}
	if in.Description != nil && len(*in.Description) > 256 {
		out = append(out, constraint(*in.Description, "description", "Member must have length less than or equal to 256"))
	}
	if in.RoutingConfig != nil {
		for v, w := range in.RoutingConfig.AdditionalVersionWeights {
			value := fmt.Sprintf("{%s=%v}", v, w)
			if !isVersion(v) {
				out = append(out, constraint(value, weightsField, "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]"))
			}
			// AWS refuses a weight of 1.0 too: the alias's own version
			// would never run.
			if w < 0 || w >= 1 {
				out = append(out, constraint(value, weightsField, "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"))
			}
		}
	}
	return out
}

// checkTargets checks that the alias's versions exist and that its routing
// is one AWS accepts; callers hold s.mu.
func checkTargets(f *function, version string, weights map[string]float64) error {
	if version != latest && f.version(version) == nil {
		return errQualifiedNotFound(f.Region, f.Name, version)
	}
	if len(weights) > 1 {
		return invalidParam("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for v := range weights {
		switch {
		case v == version:
			return invalidParam("Invalid function version %s. Function version %s is already included in routing configuration.", v, v)
		case version == latest:
			return invalidParam("$LATEST is not supported for an alias pointing to more than 1 version")
		case f.version(v) == nil:
			return errQualifiedNotFound(f.Region, f.Name, v)
		}
	}
	return nil
}

func (f *function) aliasARN(name string) string { return f.arn() + ":" + name }

func (f *function) aliasConfiguration(a *alias) aliasConfiguration {
	c := aliasConfiguration{AliasArn: f.aliasARN(a.Name), Name: a.Name, FunctionVersion: a.FunctionVersion, Description: a.Description, RevisionID: a.RevisionID}
	if len(a.Weights) > 0 {
		c.RoutingConfig = &routingConfig{AdditionalVersionWeights: maps.Clone(a.Weights)}
	}
	return c
}

// aliasesOf names the aliases that route to version, sorted.
func (f *function) aliasesOf(version string) []string {
	var out []string
	for _, a := range f.Aliases {
		if _, routed := a.Weights[version]; a.FunctionVersion == version || routed {
			out = append(out, a.Name)
		}
	}
	return out
}

// setAliases replaces the alias list (kept sorted by name) and saves; a
// change that cannot be saved is undone by save itself, which puts back
// the last saved state. Callers hold s.mu.
func (s *Service) setAliases(f *function, aliases []*alias) error {
	sort.Slice(aliases, func(i, j int) bool { return aliases[i].Name < aliases[j].Name })
	f.Aliases = aliases
	if err := s.save(); err != nil {
		return err
	}
	return nil
}

func (s *Service) createAlias(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	var in aliasInput
	if err := decodeBody(r, "CreateAlias", &in); err != nil {
		return err
	}
	failures := in.constraints(true)
	if msg := checkAliasName(in.Name); msg != "" {
		failures = append([]string{msg}, failures...)
	}
	if err := validationError(failures...); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	var weights map[string]float64
	if in.RoutingConfig != nil && len(in.RoutingConfig.AdditionalVersionWeights) > 0 {
		weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if err := checkTargets(f, *in.FunctionVersion, weights); err != nil {
		return err
	}
	if f.alias(*in.Name) != nil {
		return protocol.Conflict("ResourceConflictException", "Alias already exists: %s", f.aliasARN(*in.Name))
	}
	a := &alias{Name: *in.Name, FunctionVersion: *in.FunctionVersion, Weights: weights, RevisionID: protocol.RequestID()}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if err := s.setAliases(f, append(slices.Clone(f.Aliases), a)); err != nil {
		return err
	}
	protocol.WriteJSON(w, http.StatusCreated, f.aliasConfiguration(a))
	return nil
}

func (s *Service) getAlias(w http.ResponseWriter, region string, rf ref, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	a := f.alias(name)
	if a == nil {
		return protocol.NotFound("ResourceNotFoundException", "Cannot find alias arn: %s", f.aliasARN(name))
	}
	protocol.WriteJSON(w, http.StatusOK, f.aliasConfiguration(a))
	return nil
}

func (s *Service) updateAlias(w http.ResponseWriter, r *http.Request, region string, rf ref, name string) error {
	var in aliasInput
	if err := decodeBody(r, "UpdateAlias", &in); err != nil {
		return err
	}
	if err := validationError(in.constraints(false)...); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	old := f.alias(name)
	if old == nil {
		return protocol.NotFound("ResourceNotFoundException", "Alias not found: %s", f.aliasARN(name))
	}
	if in.RevisionID != "" && in.RevisionID != old.RevisionID {
		return errRevisionMismatch()
	}
	a := *old
	a.RevisionID = protocol.RequestID()
	if in.FunctionVersion != nil {
		a.FunctionVersion = *in.FunctionVersion
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.RoutingConfig != nil {
		a.Weights = nil
		if len(in.RoutingConfig.AdditionalVersionWeights) > 0 {
			a.Weights = in.RoutingConfig.AdditionalVersionWeights
		}
	}
	if err := checkTargets(f, a.FunctionVersion, a.Weights); err != nil {
		return err
	}
	aliases := slices.Clone(f.Aliases)
	aliases[slices.Index(aliases, old)] = &a
	if err := s.setAliases(f, aliases); err != nil {
		return err
	}
	protocol.WriteJSON(w, http.StatusOK, f.aliasConfiguration(&a))
	return nil
}

// deleteAlias removes an alias and its policy; deleting an alias that does
// not exist succeeds, as on AWS.
func (s *Service) deleteAlias(w http.ResponseWriter, region string, rf ref, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	if a := f.alias(name); a != nil {
		aliases := slices.DeleteFunc(slices.Clone(f.Aliases), func(x *alias) bool { return x == a })
		if err := s.setAliases(f, aliases); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type listAliasesOutput struct {
	Aliases    []aliasConfiguration `json:"Aliases"`
	NextMarker string               `json:"NextMarker,omitempty"`
}

// listAliases pages through the aliases in name order, optionally only
// those routing to FunctionVersion; the marker is the next page's first name.
func (s *Service) listAliases(w http.ResponseWriter, r *http.Request, region string, rf ref) error {
	q := r.URL.Query()
	limit, perr := maxItems(q.Get("MaxItems"), maxVersionsPage)
	if perr != nil {
		return perr
	}
	version := q.Get("FunctionVersion")
	if version != "" && version != latest && !isVersion(version) {
		return validationError(constraint(version, "functionVersion", "Member must satisfy regular expression pattern: "+aliasVersionPattern))
	}
	marker := q.Get("Marker")
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookup(region, rf)
	if err != nil {
		return err
	}
	out := listAliasesOutput{Aliases: []aliasConfiguration{}}
	for _, a := range f.Aliases {
		if a.Name < marker || (version != "" && a.FunctionVersion != version) {
			continue
		}
		if len(out.Aliases) == limit {
			out.NextMarker = a.Name
			break
		}
		out.Aliases = append(out.Aliases, f.aliasConfiguration(a))
	}
	protocol.WriteJSON(w, http.StatusOK, out)
	return nil
}
