package apigateway

import (
	"fmt"
	"sort"
	"strings"
)

// Why a stage URL matched nothing, in words a learner can act on; only
// computed for traced requests that failed to match.

// maxListed bounds the alternatives a reason lists.
const maxListed = 8

func listed(items []string) string {
	sort.Strings(items)
	if len(items) > maxListed {
		return strings.Join(items[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(items)-maxListed)
	}
	return strings.Join(items, ", ")
}

// noAPILocked explains an unknown API id; callers hold s.mu.
func (s *Service) noAPILocked(apiID string) string {
	if len(s.st.APIs) == 0 {
		return fmt.Sprintf("no REST API has the id %q: none exists in this emulator (deploy one: go tool mage deploy)", apiID)
	}
	var ids []string
	for id, a := range s.st.APIs {
		ids = append(ids, id+" ("+a.Name+")")
	}
	return fmt.Sprintf("no REST API has the id %q; the APIs are: %s", apiID, listed(ids))
}

func noStage(a *restAPI, stageName string) string {
	if len(a.Stages) == 0 {
		return fmt.Sprintf("API %s (%s) has no stage yet: deploy it (aws apigateway create-deployment --rest-api-id %s --stage-name %s)", a.ID, a.Name, a.ID, stageName)
	}
	var names []string
	for n := range a.Stages {
		names = append(names, n)
	}
	return fmt.Sprintf("API %s (%s) has no stage %q; its stages: %s", a.ID, a.Name, stageName, listed(names))
}

func noResource(a *restAPI, d *deployment, stageName, path string) string {
	var paths []string
	for _, r := range d.Resources {
		if len(r.Methods) > 0 {
			paths = append(paths, resourcePath(d.Resources, r))
		}
	}
	msg := fmt.Sprintf("no resource of API %s (stage %q) matches %s", a.ID, stageName, path)
	if len(paths) == 0 {
		return msg + ": its deployment has no method at all"
	}
	return msg + "; the deployed resources with methods are: " + listed(paths) +
		" (a resource added since the last deployment needs a new one: aws apigateway create-deployment)"
}

func noMethod(n *routeNode, verb string) string {
	var verbs []string
	for v := range n.res.Methods {
		verbs = append(verbs, v)
	}
	return fmt.Sprintf("resource %s has no %s method and no ANY; it has: %s", n.path, verb, listed(verbs))
}
