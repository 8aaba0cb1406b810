package lambda

import (
	"maps"
	"sort"
	"time"
)

// FunctionView is a function as the console's resource browser shows it
// (no environment: its values may be secrets).
type FunctionView struct {
	Name         string    `json:"name"`
	ARN          string    `json:"functionArn"`
	Region       string    `json:"region"`
	Runtime      string    `json:"runtime"`
	Handler      string    `json:"handler"`
	Role         string    `json:"role"`
	MemoryMB     int       `json:"memorySize"`
	TimeoutSec   int       `json:"timeout"`
	State        string    `json:"state"`
	CodeSize     int64     `json:"codeSize"`
	LastModified time.Time `json:"lastModified"`
	// Versions are $LATEST and the published ones.
	Versions []string    `json:"versions"`
	Aliases  []AliasView `json:"aliases,omitempty"`
}

// AliasView is an alias and the version it points at (with the weight of
// a second version, when it splits traffic).
type AliasView struct {
	Name            string             `json:"name"`
	FunctionVersion string             `json:"functionVersion"`
	Weights         map[string]float64 `json:"additionalVersionWeights,omitempty"`
}

// Functions lists every region's functions by name.
func (s *Service) Functions() []FunctionView {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]FunctionView, 0, len(s.functions))
	for _, f := range s.functions {
		v := FunctionView{
			Name: f.Name, ARN: f.arn(), Region: f.Region, Runtime: f.Runtime, Handler: f.Handler, Role: f.Role,
			MemoryMB: f.MemorySize, TimeoutSec: f.Timeout, State: f.status(now, s.delays()).State,
			CodeSize: f.CodeSize, LastModified: f.LastModified.UTC(), Versions: []string{latest},
		}
		for _, pv := range f.Versions {
			v.Versions = append(v.Versions, pv.Version)
		}
		for _, a := range f.Aliases {
			v.Aliases = append(v.Aliases, AliasView{Name: a.Name, FunctionVersion: a.FunctionVersion, Weights: maps.Clone(a.Weights)})
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].Region < out[j].Name+out[j].Region })
	return out
}
