package perimeter

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// originList is the set of browser origins allowed to call the control
// plane: the emulator's own (on its port, under every local name), those
// that forward to it, and the ones the user added.
type originList struct {
	any   bool
	exact map[string]bool
}

func newOriginList(port string, extra, forwarded []string) originList {
	l := originList{exact: map[string]bool{}}
	for _, scheme := range []string{"http", "https"} {
		for _, host := range []string{"localhost", "127.0.0.1", "[::1]", "localhost.localstack.cloud"} {
			l.add(scheme + "://" + host + ":" + port)
		}
	}
	for _, h := range forwarded {
		l.add("https://" + h)
	}
	for _, o := range extra {
		if strings.TrimSpace(o) == "*" {
			l.any = true
			continue
		}
		l.add(o)
	}
	return l
}

func (l originList) add(origin string) {
	if o := normalizeOrigin(origin); o != "" {
		l.exact[o] = true
	}
}

// allows reports whether a page of origin may call the control plane
// reached as host: the same origin as the emulator itself (host already
// passed the Host check), or an allowed one.
func (l originList) allows(origin, host string) bool {
	if l.any {
		return true
	}
	o := normalizeOrigin(origin)
	if o == "" {
		return false // "null" and garbage: sandboxed frames, file:// pages
	}
	if l.exact[o] {
		return true
	}
	u, _ := url.Parse(o)
	return u.Host == normalizeHostPort(host, u.Scheme)
}

// normalizeOrigin is scheme://host[:port] in lower case without a default
// port, or "" when origin is not an http(s) origin.
func normalizeOrigin(origin string) string {
	u, err := url.Parse(strings.TrimSpace(origin))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme + "://" + normalizeHostPort(u.Host, scheme)
}

func normalizeHostPort(hostport, scheme string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	host = normalizeHost(strings.Trim(host, "[]"))
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" || (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		return host
	}
	return host + ":" + port
}

type source int

const (
	fromNowhere   source = iota // not a cross-site browser request: CLI, SDK, same origin, typed URL
	fromOrigin                  // the browser said where the page comes from
	fromOtherSite               // Sec-Fetch-Site says another site, without an Origin header
	fromReferer                 // an older browser: only a Referer tells
)

// requestOrigin tells where a browser request comes from. Browsers send
// Origin on every cross-origin request except simple GETs (images, links,
// scripts); for those, Sec-Fetch-Site (every current browser) or the
// Referer (older ones) tell another site apart.
func requestOrigin(r *http.Request) (string, source) {
	if o := r.Header.Get("Origin"); o != "" {
		return o, fromOrigin
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return refererOrigin(r), fromOtherSite
	case "":
	default: // same-origin, none (typed, bookmarked)
		return "", fromNowhere
	}
	if o := refererOrigin(r); o != "" {
		return o, fromReferer
	}
	return "", fromNowhere
}

func refererOrigin(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// safeRead is a request another site may still make without an Origin:
// opening a page (a link to the console) or a read whose answer the page
// cannot see. A Query call (Action=…) may change state even as a GET.
func safeRead(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && !r.URL.Query().Has("Action")
}

var (
	corsAllowedMethods = "HEAD,GET,PUT,POST,DELETE,OPTIONS,PATCH"
	corsExposeHeaders  = "etag,x-amz-version-id,x-amz-log-result,x-amz-executed-version,x-amz-function-error,x-amzn-requestid,x-amzn-errortype"
)

// corsHeaders adds the CORS answer for an allowed origin; a preflight is
// answered here (204) and corsHeaders returns false.
func corsHeaders(w http.ResponseWriter, r *http.Request, allowOrigin string) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", allowOrigin)
	h.Add("Vary", "Origin")
	if allowOrigin != "*" {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return true
	}
	h.Set("Access-Control-Allow-Methods", corsAllowedMethods)
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return false
}
