package perimeter

import (
	"net"
	"strings"
)

// localSuffixes are names that always resolve to this machine: browsers
// resolve *.localhost to loopback themselves (RFC 6761), and LocalStack's
// public domain resolves to 127.0.0.1 for every subdomain.
var localSuffixes = []string{"localhost", "localhost.localstack.cloud"}

// hostList is the set of Host names the control plane answers.
type hostList struct {
	any      bool
	exact    map[string]bool
	suffixes []string // ".domain": its subdomains
}

func newHostList(extra, forwarded []string) hostList {
	l := hostList{exact: map[string]bool{}}
	for _, s := range localSuffixes {
		l.exact[s] = true
		l.suffixes = append(l.suffixes, "."+s)
	}
	for _, h := range append(append([]string{}, extra...), forwarded...) {
		h = normalizeHost(h)
		switch {
		case h == "":
		case h == "*":
			l.any = true
		case strings.HasPrefix(h, "*."):
			l.suffixes = append(l.suffixes, h[1:])
		case strings.HasPrefix(h, "."):
			l.suffixes = append(l.suffixes, h)
		default:
			l.exact[h] = true
		}
	}
	return l
}

// allows reports whether hostport (a Host header) names this machine or a
// name the user added. IP literals are accepted only when loopback (or
// unspecified, which browsers and Linux route to loopback): a rebinding
// attack needs a name, and a page on a public IP is another origin anyway.
func (l hostList) allows(hostport string) bool {
	if l.any {
		return true
	}
	h := normalizeHost(hostOnly(hostport))
	if h == "" {
		return false
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || ip.IsUnspecified() || l.exact[ip.String()]
	}
	if l.exact[h] {
		return true
	}
	for _, s := range l.suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// normalizeHost lowercases a host name and drops a trailing root dot
// ("localhost." is the same name).
func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// IsLoopbackHost reports whether a listen host binds loopback only:
// "localhost" or a loopback IP. An empty host, an unspecified address
// (0.0.0.0, ::) or any other name may be reached from other machines.
func IsLoopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
