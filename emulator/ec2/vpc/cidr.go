package vpc

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// AWS's block sizes for VPCs and subnets.
const (
	largestBlock  = 16
	smallestBlock = 28
)

// parseBlock reads an IPv4 CIDR block in canonical form (no host bits).
func parseBlock(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, false
	}
	return p, true
}

// parsePeer reads a rule's or a route's CIDR, which may be any IPv4 block
// (0.0.0.0/0, a /32).
func parsePeer(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

func within(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// defaultSubnetCIDR is the i-th zone's /20 of the default VPC, as AWS
// carves them (172.31.0.0/20, 172.31.16.0/20, ...).
func defaultSubnetCIDR(i int) string {
	return fmt.Sprintf("172.31.%d.0/20", 16*i)
}

// usable is how many addresses a block offers instances: AWS reserves the
// first four and the last one of every subnet.
func usable(p netip.Prefix) int {
	return 1<<(32-p.Bits()) - 5
}

// Available is a subnet's free address count, as DescribeSubnets reports it.
func (s *Subnet) Available(in Instances) int {
	p, ok := parseBlock(s.CIDR)
	if !ok {
		return 0
	}
	return max(0, usable(p)-len(in.AddressesIn(s.ID)))
}

// AllocateIP picks a free private address in the subnet, skipping the ones
// in taken and the five AWS reserves.
func (s *Subnet) AllocateIP(taken map[string]bool) (string, error) {
	p, ok := parseBlock(s.CIDR)
	if !ok {
		return "", protocol.Errorf(500, "InternalError", "subnet %s has a bad CIDR %q", s.ID, s.CIDR)
	}
	base := binary.BigEndian.Uint32(p.Addr().AsSlice())
	n := uint32(usable(p))
	at := func(i uint32) string {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], base+4+i)
		return netip.AddrFrom4(b).String()
	}
	// Random probes first, so addresses look like AWS's; a linear scan
	// settles a nearly full subnet.
	var r [4]byte
	for range 8 {
		_, _ = rand.Read(r[:])
		if ip := at(binary.BigEndian.Uint32(r[:]) % n); !taken[ip] {
			return ip, nil
		}
	}
	for i := range n {
		if ip := at(i); !taken[ip] {
			return ip, nil
		}
	}
	return "", protocol.BadRequest("InsufficientFreeAddressesInSubnet",
		"There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", s.ID)
}

// Contains reports whether ip lies in the subnet's block.
func (s *Subnet) Contains(ip string) bool {
	p, ok := parseBlock(s.CIDR)
	a, err := netip.ParseAddr(ip)
	return ok && err == nil && p.Contains(a)
}
