package vpc

import (
	"testing"
)

func TestParseBlock(t *testing.T) {
	for s, ok := range map[string]bool{
		"10.0.0.0/16": true, "172.31.16.0/20": true, "0.0.0.0/0": true,
		"10.0.0.1/16": false, "10.0.0.0/33": false, "fd00::/8": false, "10.0.0.0": false, "": false,
	} {
		if _, got := parseBlock(s); got != ok {
			t.Errorf("parseBlock(%q) ok = %v, want %v", s, got, ok)
		}
	}
}

// AllocateIP never hands out a reserved or taken address, and says so
// when the subnet is full.
func TestAllocateIP(t *testing.T) {
	s := &Subnet{Meta: Meta{ID: "subnet-1"}, CIDR: "10.0.0.0/28"} // 16 addresses, 11 usable
	taken := map[string]bool{}
	for range 11 {
		ip, err := s.AllocateIP(taken)
		if err != nil {
			t.Fatalf("AllocateIP with %d taken: %v", len(taken), err)
		}
		if taken[ip] || !s.Contains(ip) || ip == "10.0.0.0" || ip == "10.0.0.1" || ip == "10.0.0.2" || ip == "10.0.0.3" || ip == "10.0.0.15" {
			t.Fatalf("AllocateIP = %s (taken %v)", ip, taken)
		}
		taken[ip] = true
	}
	if _, err := s.AllocateIP(taken); err == nil {
		t.Fatal("a full subnet gave an address")
	}
}

func TestDefaultVPCLayout(t *testing.T) {
	n := New()
	zones := []string{"eu-west-3a", "eu-west-3b", "eu-west-3c"}
	if !n.Ensure("eu-west-3", zones) || n.Ensure("eu-west-3", zones) {
		t.Fatal("Ensure must make the default VPC once")
	}
	v := n.DefaultVPC("eu-west-3")
	if v == nil || v.ID != DefaultVPCID("eu-west-3") || v.CIDR != DefaultCIDR {
		t.Fatalf("default VPC = %+v", v)
	}
	for i, z := range zones {
		s := n.Subnet(DefaultSubnetID(z))
		if s == nil || s.Zone != z || s.CIDR != defaultSubnetCIDR(i) || !s.MapPublicIP || !s.Default {
			t.Errorf("default subnet of %s = %+v", z, s)
		}
	}
	if g := n.DefaultGroup(v.ID); g == nil || len(g.Ingress) != 1 || g.Ingress[0].GroupID != g.ID {
		t.Errorf("default group = %+v", g)
	}
	if main := n.mainTable(v.ID); main == nil || len(main.Routes) != 2 || n.routeState(main, main.Routes[1]) != "active" {
		t.Errorf("main route table = %+v", main)
	}
	// Ids are stable: instances of older versions named them.
	if DefaultVPCID("us-east-1") != "vpc-c23d3674f81e1f8ae" || DefaultSubnetID("us-east-1a") != "subnet-9f9e911ff5dd136dd" {
		t.Errorf("default ids changed: %s %s", DefaultVPCID("us-east-1"), DefaultSubnetID("us-east-1a"))
	}
}

func TestRuleParsing(t *testing.T) {
	tests := []struct {
		proto, from, to string
		want            string
		ok              bool
	}{
		{"tcp", "22", "22", "tcp 22-22", true},
		{"6", "80", "443", "tcp 80-443", true},
		{"UDP", "53", "53", "udp 53-53", true},
		{"icmp", "", "", "icmp -1--1", true},
		{"icmp", "8", "0", "icmp 8-0", true},
		{"-1", "", "", "-1 -1--1", true},
		{"all", "", "", "-1 -1--1", true},
		{"50", "", "", "50 -1--1", true},
		{"tcp", "", "22", "", false},
		{"tcp", "90", "80", "", false},
		{"tcp", "0", "65536", "", false},
		{"icmp", "300", "", "", false},
		{"tcpp", "1", "1", "", false},
		{"256", "", "", "", false},
	}
	for _, tt := range tests {
		proto, err := normalizeProtocol(tt.proto)
		var from, to int
		if err == nil {
			from, to, err = portRange(proto, tt.from, tt.to)
		}
		if (err == nil) != tt.ok {
			t.Errorf("%s %s-%s: err = %v, want ok=%v", tt.proto, tt.from, tt.to, err, tt.ok)
			continue
		}
		if got := proto + " " + portString(from) + "-" + portString(to); err == nil && got != tt.want {
			t.Errorf("%s %s-%s = %s, want %s", tt.proto, tt.from, tt.to, got, tt.want)
		}
	}
}
