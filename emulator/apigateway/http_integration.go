package apigateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apidriven/api-driven/emulator/vtl"
)

// HTTP and HTTP_PROXY integrations forward the call to the integration
// URI. Whoever creates the API chooses that URI (the local control plane);
// a caller of the stage only fills its {path} parameters, which are
// escaped into the path (dot segments too), so neither the scheme and
// host nor the path prefix can change.

// httpClient does not follow redirects: API Gateway hands them back.
var httpClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	},
}

// viaToken marks requests this emulator forwards, so that an integration
// pointing back at its own API cannot loop forever.
const (
	viaToken = "awsemu-apigateway"
	maxHops  = 5
)

// maxEndpointBody is the largest integration response accepted (10 MB).
const maxEndpointBody = 10 << 20

// hopByHop are the headers that describe one connection, never forwarded.
var hopByHop = map[string]bool{"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Host": true, "Content-Length": true, "Expect": true}

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request, x *execution, body []byte) {
	proxy := x.integration.Type == "HTTP_PROXY"
	mc := newMappingCall(r, x, body)
	if strings.Count(strings.Join(r.Header.Values("Via"), ","), viaToken) >= maxHops {
		x.log.Error("apigateway: HTTP integration loop: the request went through this emulator's API Gateway too many times", "uri", x.integration.URI)
		writeExecError(w, errInternal)
		return
	}
	out := body
	if !proxy {
		var eerr *execError
		if out, eerr = mc.integrationBody(); eerr != nil {
			writeExecError(w, eerr)
			return
		}
	}
	header, query, path := mc.requestParameters(proxy)
	target, err := integrationURL(substituteStageVariables(x.integration.URI, x.stageVariables), path, query)
	if err != nil {
		x.log.Error("apigateway: invalid HTTP integration URI", "uri", x.integration.URI, "err", err)
		writeExecError(w, errInternal)
		return
	}
	verb := x.integration.HTTPMethod
	if verb == "" || verb == "ANY" {
		verb = r.Method
	}
	timeout := time.Duration(x.integration.TimeoutInMillis) * time.Millisecond
	if timeout <= 0 {
		timeout = defaultTimeoutMillis * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	var rd io.Reader
	if len(out) > 0 && verb != http.MethodGet && verb != http.MethodHead {
		rd = bytes.NewReader(out)
	}
	req, err := http.NewRequestWithContext(ctx, verb, target, rd)
	if err != nil {
		x.log.Error("apigateway: cannot build the HTTP integration request", "url", target, "err", err)
		writeExecError(w, errInternal)
		return
	}
	req.Header = header
	req.Header.Set("User-Agent", "AmazonAPIGateway_"+x.apiID)
	req.Header.Set("X-Amzn-Apigateway-Api-Id", x.apiID)
	req.Header.Add("Via", "1.1 "+viaToken)
	resp, err := httpClient.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			x.log.Warn("apigateway: HTTP integration timed out", "url", target, "timeout", timeout)
			writeExecError(w, errTimeout)
			return
		}
		x.log.Warn("apigateway: HTTP integration failed", "url", target, "err", err)
		writeExecError(w, errBadGateway)
		return
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxEndpointBody+1))
	if err != nil || len(respBody) > maxEndpointBody {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			writeExecError(w, errTimeout)
			return
		}
		x.log.Warn("apigateway: cannot read the HTTP integration response", "url", target, "err", err, "bytes", len(respBody))
		writeExecError(w, errBadGateway)
		return
	}
	if !proxy {
		mc.respond(w, &endpointResponse{status: resp.StatusCode, header: resp.Header, body: respBody, selection: strconv.Itoa(resp.StatusCode)})
		return
	}
	h := w.Header()
	for k, vs := range resp.Header {
		switch {
		case k == "Date" || k == "X-Amzn-Requestid":
			h["X-Amzn-Remapped-"+k] = vs
		case hopByHop[k]:
		default:
			h[k] = vs
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// requestParameters applies integration.request.* mappings (and, for
// non-proxy templates, $context.requestOverride). HTTP_PROXY starts from the
// caller's headers and query string; path parameters fall back to the
// method's of the same name, so {proxy} works without a mapping.
func (mc *mappingCall) requestParameters(proxy bool) (http.Header, url.Values, map[string]string) {
	r := mc.r
	header, query := http.Header{}, url.Values{}
	if proxy {
		for k, vs := range r.Header {
			if !hopByHop[k] {
				header[k] = append([]string(nil), vs...)
			}
		}
		query = r.URL.Query()
	} else if ct := r.Header.Get("Content-Type"); ct != "" {
		header.Set("Content-Type", ct)
	}
	path := map[string]string{}
	for k, v := range mc.x.match.params {
		path[k] = v
	}
	for target, source := range mc.x.integration.RequestParameters {
		values, ok := mc.requestValue(source)
		if !ok {
			continue
		}
		rest, _ := strings.CutPrefix(target, "integration.request.")
		kind, name, _ := strings.Cut(rest, ".")
		switch kind {
		case "header":
			header.Set(name, strings.Join(values, ","))
		case "multivalueheader":
			header[http.CanonicalHeaderKey(name)] = values
		case "querystring":
			query.Set(name, strings.Join(values, ","))
		case "multivaluequerystring":
			query[name] = values
		case "path":
			path[name] = strings.Join(values, ",")
		}
	}
	if v, ok := mc.context.Get("requestOverride"); ok && !proxy {
		if ro, ok := v.(*vtl.Map); ok {
			overlay := func(kind string, set func(k, v string)) {
				m, _ := ro.Get(kind)
				if mm, ok := m.(*vtl.Map); ok {
					for _, k := range mm.Keys() {
						val, _ := mm.Get(k)
						set(k, vtl.ToString(val))
					}
				}
			}
			overlay("header", header.Set)
			overlay("querystring", query.Set)
			overlay("path", func(k, v string) { path[k] = v })
		}
	}
	return header, query, path
}

// requestValue resolves a request parameter source.
func (mc *mappingCall) requestValue(source string) ([]string, bool) {
	r := mc.r
	one := func(v string, ok bool) ([]string, bool) {
		if !ok {
			return nil, false
		}
		return []string{v}, true
	}
	if v, ok := staticValue(source); ok {
		return one(v, true)
	}
	rest, ok := strings.CutPrefix(source, "method.request.")
	if !ok {
		return one(mc.commonValue(source))
	}
	kind, name, _ := strings.Cut(rest, ".")
	switch kind {
	case "path":
		v, ok := mc.x.match.params[name]
		return one(v, ok)
	case "querystring":
		vs := r.URL.Query()[name]
		if len(vs) == 0 {
			return nil, false
		}
		return one(vs[len(vs)-1], true)
	case "multivaluequerystring":
		vs := r.URL.Query()[name]
		return vs, len(vs) > 0
	case "header":
		v := r.Header.Get(name)
		return one(v, v != "")
	case "multivalueheader":
		vs := r.Header.Values(name)
		return vs, len(vs) > 0
	case "body":
		if name == "" {
			return one(string(mc.body), true)
		}
		return one(bodyValue(mc.body, name))
	}
	return nil, false
}

// integrationURL fills {name} placeholders in the path of uri (never in its
// scheme or host) with escaped values, and merges the query string.
func integrationURL(uri string, path map[string]string, query url.Values) (string, error) {
	prefix, rest := uri, ""
	if i := strings.Index(uri, "://"); i >= 0 {
		if j := strings.IndexAny(uri[i+3:], "/?"); j >= 0 {
			prefix, rest = uri[:i+3+j], uri[i+3+j:]
		}
	}
	for name, v := range path {
		segs := strings.Split(v, "/")
		for i, seg := range segs {
			switch seg {
			case ".", "..": // escaped, so that no dot segment climbs out of the URI's path
				segs[i] = strings.ReplaceAll(seg, ".", "%2E")
			default:
				segs[i] = url.PathEscape(seg)
			}
		}
		rest = strings.ReplaceAll(rest, "{"+name+"}", strings.Join(segs, "/"))
		rest = strings.ReplaceAll(rest, "{"+name+"+}", strings.Join(segs, "/"))
	}
	u, err := url.Parse(prefix + rest)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", errors.New("the integration URI must be an absolute http(s) URL")
	}
	q := u.Query()
	for k, vs := range query {
		q[k] = append(q[k], vs...)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
