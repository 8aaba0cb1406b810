package vpc

import (
	"cmp"
	"slices"
	"strings"

	"github.com/apidriven/api-driven/emulator/ec2/wire"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// kind is one resource type's id syntax, errors and listing rules.
type kind struct {
	prefix    string // vpc-
	malformed string // error code for a bad id
	notFound  string // error code for an unknown id
	noun      string // "vpc ID", as AWS's not-found message names it
	idSet     string // the request's id list, for InvalidParameterCombination
	token     string // NextToken kind
	pageLimit int    // largest MaxResults
}

var (
	vpcKind     = kind{"vpc-", "InvalidVpcID.Malformed", "InvalidVpcID.NotFound", "vpc ID", "vpcIds", "vpcs", 1000}
	subnetKind  = kind{"subnet-", "InvalidSubnetID.Malformed", "InvalidSubnetID.NotFound", "subnet ID", "subnetIds", "subnets", 1000}
	groupKind   = kind{"sg-", "InvalidGroupId.Malformed", "InvalidGroup.NotFound", "security group", "groupIds", "groups", 1000}
	gatewayKind = kind{"igw-", "InvalidInternetGatewayId.Malformed", "InvalidInternetGatewayID.NotFound", "internetGateway ID", "internetGatewayIds", "igws", 1000}
	tableKind   = kind{"rtb-", "InvalidRouteTableId.Malformed", "InvalidRouteTableID.NotFound", "routeTable ID", "routeTableIds", "rtbs", 100}
)

func (k kind) checkID(id string) error {
	if !wire.IsHexID(id, k.prefix) {
		return protocol.BadRequest(k.malformed, "Invalid id: \"%s\" (expecting \"%s...\")", id, k.prefix)
	}
	return nil
}

// missing lists every unknown id in one error, as AWS does.
func (k kind) missing(ids []string) error {
	if len(ids) == 1 {
		return protocol.BadRequest(k.notFound, "The %s '%s' does not exist", k.noun, ids[0])
	}
	return protocol.BadRequest(k.notFound, "The %ss '%s' do not exist", k.noun, strings.Join(ids, ", "))
}

// MissingID is the not-found error for an id of a network resource type
// (InvalidVpcID.NotFound, ...); ok is false for other ids.
func MissingID(id string) (err error, ok bool) {
	for _, k := range []kind{vpcKind, subnetKind, groupKind, gatewayKind, tableKind} {
		if wire.IsHexID(id, k.prefix) {
			return k.missing([]string{id}), true
		}
	}
	return nil, false
}

type record interface{ meta() *Meta }

// find returns the region's record with that id, or AWS's malformed or
// not-found error.
func find[P record](recs map[string]P, k kind, region, id string) (P, error) {
	var zero P
	if err := k.checkID(id); err != nil {
		return zero, err
	}
	r, ok := recs[id]
	if !ok || r.meta().Region != region {
		return zero, k.missing([]string{id})
	}
	return r, nil
}

// required reads a required id parameter and finds its record.
func required[P record](recs map[string]P, k kind, req *protocol.QueryRequest, param string) (P, error) {
	id, ok := wire.First(req.Params, param)
	if !ok || id == "" {
		var zero P
		return zero, wire.Missing(param)
	}
	return find(recs, k, req.Region, id)
}

// describe answers a Describe call: the records named by idParam.N (all
// must exist) or a page of the region's records in creation order, kept
// when they pass the filters.
func describe[V any, P interface {
	*V
	record
}](recs map[string]P, k kind, req *protocol.QueryRequest, idParam string, defs *wire.Filters[V]) ([]P, string, error) {
	ids := wire.Dedupe(protocol.Indexed(req.Params, idParam))
	for _, id := range ids {
		if err := k.checkID(id); err != nil {
			return nil, "", err
		}
	}
	m, err := defs.Compile(protocol.Filters(req.Params))
	if err != nil {
		return nil, "", err
	}
	pg, err := wire.PageParams(req.Params, k.token, k.idSet, len(ids) > 0, k.pageLimit)
	if err != nil {
		return nil, "", err
	}
	if len(ids) > 0 {
		out := make([]P, 0, len(ids))
		var unknown []string
		for _, id := range ids {
			r, ok := recs[id]
			if !ok || r.meta().Region != req.Region {
				unknown = append(unknown, id)
				continue
			}
			if m.Match((*V)(r)) {
				out = append(out, r)
			}
		}
		if len(unknown) > 0 {
			return nil, "", k.missing(unknown)
		}
		return out, "", nil
	}
	var after uint64
	if pg.Cursor != "" {
		seq, ok := wire.ParseSeqKey(pg.Cursor)
		if !ok {
			return nil, "", wire.InvalidValue("The parameter NextToken is not a valid pagination token.")
		}
		after = seq
	}
	all := make([]P, 0, len(recs))
	for _, r := range recs {
		if md := r.meta(); md.Region == req.Region && md.Seq > after && m.Match((*V)(r)) {
			all = append(all, r)
		}
	}
	slices.SortFunc(all, func(a, b P) int { return cmp.Compare(a.meta().Seq, b.meta().Seq) })
	if pg.Max > 0 && len(all) > pg.Max {
		all = all[:pg.Max]
		return all, wire.EncodeToken(k.token, wire.SeqKey(all[len(all)-1].meta().Seq)), nil
	}
	return all, "", nil
}

// specTags reads the tags a create call gives its resource.
func specTags(req *protocol.QueryRequest, resourceType string) ([]protocol.Tag, error) {
	tags, err := wire.SpecTags(req.Params, resourceType)
	if err != nil {
		return nil, err
	}
	return tags[resourceType], nil
}

// inUse is AWS's DependencyViolation for a resource something still uses.
func inUse(noun, id string) error {
	return protocol.BadRequest("DependencyViolation", "The %s '%s' has dependencies and cannot be deleted.", noun, id)
}

// count returns how many records of recs pass keep.
func count[P record](recs map[string]P, keep func(P) bool) int {
	n := 0
	for _, r := range recs {
		if keep(r) {
			n++
		}
	}
	return n
}
