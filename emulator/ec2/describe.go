package ec2

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

var instanceFilters = wire.Filters[view]{
	Fields: map[string]func(*view) string{
		"instance-state-name": func(v *view) string { return string(v.state) },
		"instance-state-code": func(v *view) string { return strconv.Itoa(v.state.Code()) },
		"instance-id":         func(v *view) string { return v.inst.ID },
		"image-id":            func(v *view) string { return v.inst.ImageID },
		"instance-type":       func(v *view) string { return v.inst.InstanceType },
		"reservation-id":      func(v *view) string { return v.inst.ReservationID },
		"availability-zone":   func(v *view) string { return v.inst.Zone },
		"architecture":        func(v *view) string { return v.inst.Architecture },
		"vpc-id":              func(v *view) string { return v.inst.VpcID },
		"subnet-id":           func(v *view) string { return v.inst.SubnetID },
		"private-ip-address":  func(v *view) string { return v.inst.PrivateIP },
		"private-dns-name":    func(v *view) string { return privateDNS(v.inst.PrivateIP, v.inst.Region) },
		"key-name":            func(v *view) string { return v.inst.KeyName },
		"client-token":        func(v *view) string { return v.inst.ClientToken },
		"ami-launch-index":    func(v *view) string { return strconv.Itoa(v.inst.LaunchIndex) },
		"root-device-type":    func(*view) string { return "ebs" },
		"owner-id":            func(*view) string { return protocol.AccountID },
		"monitoring-state": func(v *view) string {
			if v.inst.Monitoring {
				return "enabled"
			}
			return "disabled"
		},
		"ip-address": func(v *view) string {
			if v.hasPublicIP() {
				return v.inst.PublicIP
			}
			return ""
		},
	},
	Tags: func(v *view) []protocol.Tag { return v.inst.Tags },
}

// selection is what a Describe call asks for: explicit ids or a page of the
// region's instances, narrowed by filters.
type selection struct {
	region string
	ids    []string
	match  wire.Matcher[view]
	page   wire.Page
	keep   func(*view) bool // extra predicate; nil keeps all
}

// selectLocked collects matching views and the next page's cursor; callers
// hold s.mu (read). Records are copied so rendering happens unlocked.
func (s *Service) selectLocked(sel *selection, now time.Time) ([]view, string, error) {
	if len(sel.ids) > 0 {
		targets, err := s.lookupLocked(sel.region, sel.ids)
		if err != nil {
			return nil, "", err
		}
		out := make([]view, 0, len(targets))
		for _, in := range targets {
			v := s.viewOf(in, now)
			if v.expired(now) {
				return nil, "", instancesNotFound([]string{in.ID})
			}
			if sel.match.Match(&v) && (sel.keep == nil || sel.keep(&v)) {
				out = append(out, v)
			}
		}
		return out, "", nil
	}
	start := 0
	if sel.page.Cursor != "" {
		after, ok := wire.ParseSeqKey(sel.page.Cursor)
		if !ok {
			return nil, "", wire.InvalidValue("The parameter NextToken is not a valid pagination token.")
		}
		start = sort.Search(len(s.order), func(i int) bool { return s.order[i].Seq > after })
	}
	var out []view
	for _, in := range s.order[start:] {
		if in.Region != sel.region {
			continue
		}
		v := s.viewOf(in, now)
		if v.expired(now) || !sel.match.Match(&v) || (sel.keep != nil && !sel.keep(&v)) {
			continue
		}
		if sel.page.Max > 0 && len(out) == sel.page.Max {
			// Another match exists: hand out a token resuming after the
			// last one returned.
			return out, wire.SeqKey(out[len(out)-1].inst.Seq), nil
		}
		out = append(out, v)
	}
	return out, "", nil
}

func (s *Service) describeInstances(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	ids := wire.Dedupe(protocol.Indexed(req.Params, "InstanceId"))
	if err := checkInstanceIDs(ids); err != nil {
		return nil, err
	}
	m, err := instanceFilters.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	pg, err := wire.PageParams(req.Params, "instances", "instancesSet", len(ids) > 0, 1000)
	if err != nil {
		return nil, err
	}
	if err := s.reconcile(ctx); err != nil {
		return nil, err
	}
	sel := selection{region: req.Region, ids: ids, match: m, page: pg}
	s.mu.RLock()
	views, next, err := s.selectLocked(&sel, s.now())
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if next != "" {
		next = wire.EncodeToken("instances", next)
	}
	return renderDescribeInstances(req.RequestID, groupByReservation(views), next)
}

// groupByReservation orders views so each reservation's instances are
// adjacent, reservations in first-seen order (explicit ids may interleave
// them); it returns views unchanged when they are grouped already.
func groupByReservation(views []view) []view {
	seen := make(map[string]bool, 4)
	grouped := true
	for i := range views {
		rid := views[i].inst.ReservationID
		if i > 0 && rid == views[i-1].inst.ReservationID {
			continue
		}
		if seen[rid] {
			grouped = false
			break
		}
		seen[rid] = true
	}
	if grouped {
		return views
	}
	order := make(map[string]int)
	for i := range views {
		if _, ok := order[views[i].inst.ReservationID]; !ok {
			order[views[i].inst.ReservationID] = len(order)
		}
	}
	out := slices.Clone(views)
	slices.SortStableFunc(out, func(a, b view) int {
		return order[a.inst.ReservationID] - order[b.inst.ReservationID]
	})
	return out
}

var statusFilters = func() wire.Filters[view] {
	d := wire.Filters[view]{Fields: map[string]func(*view) string{
		"instance-state-name":          instanceFilters.Fields["instance-state-name"],
		"instance-state-code":          instanceFilters.Fields["instance-state-code"],
		"availability-zone":            instanceFilters.Fields["availability-zone"],
		"instance-status.status":       func(v *view) string { return healthOf(v.state) },
		"system-status.status":         func(v *view) string { return healthOf(v.state) },
		"instance-status.reachability": func(v *view) string { return reachabilityOf(v.state) },
		"system-status.reachability":   func(v *view) string { return reachabilityOf(v.state) },
	}}
	return d
}()

// healthOf is the status check summary: AWS runs checks only on running
// instances.
func healthOf(st State) string {
	if st == StateRunning {
		return "ok"
	}
	return "not-applicable"
}

func reachabilityOf(st State) string {
	if st == StateRunning {
		return "passed"
	}
	return ""
}

func (s *Service) describeInstanceStatus(ctx context.Context, req *protocol.QueryRequest) (any, error) {
	ids := wire.Dedupe(protocol.Indexed(req.Params, "InstanceId"))
	if err := checkInstanceIDs(ids); err != nil {
		return nil, err
	}
	m, err := statusFilters.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	all, err := wire.Bool(req.Params, "IncludeAllInstances")
	if err != nil {
		return nil, err
	}
	pg, err := wire.PageParams(req.Params, "status", "instancesSet", len(ids) > 0, 1000)
	if err != nil {
		return nil, err
	}
	if err := s.reconcile(ctx); err != nil {
		return nil, err
	}
	sel := selection{region: req.Region, ids: ids, match: m, page: pg}
	if !all {
		sel.keep = func(v *view) bool { return v.state == StateRunning }
	}
	s.mu.RLock()
	views, next, err := s.selectLocked(&sel, s.now())
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	out := describeInstanceStatusResponse{RequestID: req.RequestID}
	out.Statuses.Items = make([]xmlInstanceStatus, 0, len(views))
	for i := range views {
		v := &views[i]
		out.Statuses.Items = append(out.Statuses.Items, xmlInstanceStatus{
			InstanceID: v.inst.ID, AvailabilityZone: v.inst.Zone, State: stateXML(v.state),
			SystemStatus: summary(v.state), InstanceStatus: summary(v.state), AttachedEbs: summary(v.state),
		})
	}
	if next != "" {
		out.NextToken = wire.EncodeToken("status", next)
	}
	return out, nil
}

func summary(st State) xmlStatusSummary {
	if st != StateRunning {
		return xmlStatusSummary{Status: "not-applicable"}
	}
	return xmlStatusSummary{Status: "ok", Details: []xmlStatusDetail{{Name: "reachability", Status: "passed"}}}
}
