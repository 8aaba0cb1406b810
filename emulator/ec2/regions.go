package ec2

import (
	"context"
	"slices"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// regions are the commercial regions that need no opt-in, with the zone-id
// prefix AWS uses for each.
var regions = []struct{ name, zonePrefix string }{
	{"ap-northeast-1", "apne1"}, {"ap-northeast-2", "apne2"}, {"ap-northeast-3", "apne3"},
	{"ap-south-1", "aps1"}, {"ap-southeast-1", "apse1"}, {"ap-southeast-2", "apse2"},
	{"ca-central-1", "cac1"}, {"eu-central-1", "euc1"}, {"eu-north-1", "eun1"},
	{"eu-west-1", "euw1"}, {"eu-west-2", "euw2"}, {"eu-west-3", "euw3"},
	{"sa-east-1", "sae1"}, {"us-east-1", "use1"}, {"us-east-2", "use2"},
	{"us-west-1", "usw1"}, {"us-west-2", "usw2"},
}

// zoneLetters is how many zones a region has: us-east-1 has six, most
// others three (the emulator accepts any region name and gives it three).
func zoneLetters(region string) string {
	if region == "us-east-1" {
		return "abcdef"
	}
	return "abc"
}

func zonePrefix(region string) string {
	for _, r := range regions {
		if r.name == region {
			return r.zonePrefix
		}
	}
	return strings.ReplaceAll(region, "-", "")
}

// zoneID maps a zone name of the region to its id (use1-az1 ...).
func zoneID(region, zone string) (string, bool) {
	letter, ok := strings.CutPrefix(zone, region)
	if !ok || len(letter) != 1 {
		return "", false
	}
	i := strings.Index(zoneLetters(region), letter)
	if i < 0 {
		return "", false
	}
	return zonePrefix(region) + "-az" + string(rune('1'+i)), true
}

var regionFilters = wire.Filters[xmlRegion]{Fields: map[string]func(*xmlRegion) string{
	"region-name":   func(r *xmlRegion) string { return r.RegionName },
	"endpoint":      func(r *xmlRegion) string { return r.Endpoint },
	"opt-in-status": func(r *xmlRegion) string { return r.OptInStatus },
}}

func (s *Service) describeRegions(_ context.Context, req *protocol.QueryRequest) (any, error) {
	if _, err := wire.Bool(req.Params, "AllRegions"); err != nil {
		return nil, err
	}
	m, err := regionFilters.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	names := protocol.Indexed(req.Params, "RegionName")
	for _, n := range names {
		if !knownRegion(n) {
			return nil, wire.InvalidValue("Invalid region: %s", n)
		}
	}
	out := describeRegionsResponse{RequestID: req.RequestID, Regions: wire.Set[xmlRegion]{Items: []xmlRegion{}}}
	for _, r := range regions {
		x := xmlRegion{RegionName: r.name, Endpoint: "ec2." + r.name + ".amazonaws.com", OptInStatus: "opt-in-not-required"}
		if (len(names) == 0 || contains(names, r.name)) && m.Match(&x) {
			out.Regions.Items = append(out.Regions.Items, x)
		}
	}
	return out, nil
}

func knownRegion(name string) bool {
	for _, r := range regions {
		if r.name == name {
			return true
		}
	}
	return false
}

var zoneFilters = wire.Filters[xmlZone]{Fields: map[string]func(*xmlZone) string{
	"zone-name":            func(z *xmlZone) string { return z.ZoneName },
	"zone-id":              func(z *xmlZone) string { return z.ZoneID },
	"state":                func(z *xmlZone) string { return z.State },
	"region-name":          func(z *xmlZone) string { return z.RegionName },
	"zone-type":            func(z *xmlZone) string { return z.ZoneType },
	"group-name":           func(z *xmlZone) string { return z.GroupName },
	"opt-in-status":        func(z *xmlZone) string { return z.OptInStatus },
	"network-border-group": func(z *xmlZone) string { return z.NetworkBorderGroup },
}}

func (s *Service) describeAvailabilityZones(_ context.Context, req *protocol.QueryRequest) (any, error) {
	if _, err := wire.Bool(req.Params, "AllAvailabilityZones"); err != nil {
		return nil, err
	}
	m, err := zoneFilters.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, err
	}
	names := protocol.Indexed(req.Params, "ZoneName")
	zoneIDs := protocol.Indexed(req.Params, "ZoneId")
	zones := make([]xmlZone, 0, 6)
	for _, l := range zoneLetters(req.Region) {
		name := req.Region + string(l)
		id, _ := zoneID(req.Region, name)
		zones = append(zones, xmlZone{
			ZoneName: name, State: "available", RegionName: req.Region, ZoneID: id,
			OptInStatus: "opt-in-not-required", GroupName: req.Region, NetworkBorderGroup: req.Region,
			ZoneType: "availability-zone",
		})
	}
	for _, n := range names {
		if !slices.ContainsFunc(zones, func(z xmlZone) bool { return z.ZoneName == n }) {
			return nil, wire.InvalidValue("The zone '%s' does not exist.", n)
		}
	}
	for _, id := range zoneIDs {
		if !slices.ContainsFunc(zones, func(z xmlZone) bool { return z.ZoneID == id }) {
			return nil, wire.InvalidValue("The zone ID '%s' does not exist.", id)
		}
	}
	out := describeZonesResponse{RequestID: req.RequestID, Zones: wire.Set[xmlZone]{Items: []xmlZone{}}}
	for i := range zones {
		z := &zones[i]
		asked := len(names) == 0 && len(zoneIDs) == 0 || contains(names, z.ZoneName) || contains(zoneIDs, z.ZoneID)
		if asked && m.Match(z) {
			out.Zones.Items = append(out.Zones.Items, *z)
		}
	}
	return out, nil
}
