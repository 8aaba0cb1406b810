package protocol

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// These fuzz targets hold the Query-protocol parsers to three promises for
// any input a caller can send: no panic, a 4xx AWS error rather than a
// crash for garbage, and results that agree with the raw parameters.
// `go test` runs the seed corpora; `go test -fuzz=FuzzParseQuery` explores.

func FuzzParseQuery(f *testing.F) {
	f.Add("POST", "", "Action=CreateRole&RoleName=r&Version=2010-05-08")
	f.Add("GET", "Action=DescribeInstances&InstanceId.1=i-1&InstanceId.2=i-2", "")
	f.Add("POST", "Action=A", "Action=B")
	f.Add("POST", "", "%zz=1")
	f.Add("POST", "", "a=1;b=2")
	f.Add("PUT", "x=%41", "y=%")
	f.Add("POST", "", strings.Repeat("k=v&", 64))
	f.Add("DELETE", "", "")
	f.Fuzz(func(t *testing.T, method, rawQuery, body string) {
		if !validMethod(method) {
			method = http.MethodPost
		}
		newReq := func() *http.Request {
			return &http.Request{Method: method, URL: &url.URL{Path: "/", RawQuery: rawQuery}, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		}
		params, perr := ParseQuery(newReq())
		again, perr2 := ParseQuery(newReq())
		if (perr == nil) != (perr2 == nil) || !reflect.DeepEqual(params, again) {
			t.Fatalf("ParseQuery is not deterministic: %v/%v vs %v/%v", params, perr, again, perr2)
		}
		if perr != nil {
			if perr.Status < 400 || perr.Status >= 500 || perr.Code == "" || perr.Message == "" {
				t.Fatalf("bad input gave %+v, want a 4xx with code and message", perr)
			}
			if method == http.MethodGet && perr.Code != "InvalidQueryParameter" {
				t.Fatalf("GET ignores the body but failed: %v", perr)
			}
			return
		}
		// Everything in the query string is kept, in order, before the body's values.
		for k, vs := range newReq().URL.Query() {
			if got := params[k]; len(got) < len(vs) || !reflect.DeepEqual(got[:len(vs)], vs) {
				t.Fatalf("query value %q=%q lost: got %q", k, vs, got)
			}
		}
		form, err := url.ParseQuery(body)
		if method == http.MethodGet {
			return
		}
		if err != nil {
			t.Fatalf("body %q is not a form (%v) yet ParseQuery accepted it", body, err)
		}
		for k, vs := range form {
			if got := params[k]; len(got) < len(vs) || !reflect.DeepEqual(got[len(got)-len(vs):], vs) {
				t.Fatalf("body value %q=%q lost: got %q", k, vs, got)
			}
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead:
		return true
	}
	return false
}

func FuzzScopeOf(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=abc", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/ec2/aws4_request,SignedHeaders=host", "")
	f.Add("", "AKID/20240101/us-west-2/lambda/aws4_request")
	f.Add("AWS4-HMAC-SHA256 Credential=", "")
	f.Add("AWS4-X Credential=a/b/c/d/e/f", "")
	f.Add("Basic dXNlcjpwYXNz", "a/b/c/d/e")
	f.Add("AWS4-HMAC-SHA256 Credential=////", "")
	f.Fuzz(func(t *testing.T, auth, cred string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/", RawQuery: url.Values{"X-Amz-Credential": {cred}}.Encode()}, Header: http.Header{}}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		s := ScopeOf(r)
		if s != ScopeOf(r) {
			t.Fatal("ScopeOf is not deterministic")
		}
		if strings.Contains(s.Region, "/") || strings.Contains(s.Service, "/") {
			t.Fatalf("scope %+v carries a separator", s)
		}
		if s != (Scope{}) && !strings.HasPrefix(auth, "AWS4-") && cred == "" {
			t.Fatalf("scope %+v from neither a SigV4 header nor X-Amz-Credential", s)
		}
		want := s.Region
		if want == "" {
			want = DefaultRegion
		}
		if got := RegionOf(r); got != want {
			t.Fatalf("RegionOf = %q, want %q", got, want)
		}
	})
}

// FuzzScopeRoundTrip builds a well-formed scope from its parts and expects
// them back.
func FuzzScopeRoundTrip(f *testing.F) {
	f.Add("us-east-1", "iam")
	f.Add("eu-central-1", "execute-api")
	f.Fuzz(func(t *testing.T, region, service string) {
		if region == "" || service == "" || strings.ContainsAny(region+service, "/, \r\n\t") {
			return
		}
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/"}, Header: http.Header{}}
		r.Header["Authorization"] = []string{fmt.Sprintf("AWS4-HMAC-SHA256 Credential=AKID/20240101/%s/%s/aws4_request, SignedHeaders=host, Signature=x", region, service)}
		if got := ScopeOf(r); got.Region != region || got.Service != service {
			t.Fatalf("ScopeOf = %+v, want %s/%s", got, region, service)
		}
	})
}

func FuzzFilters(f *testing.F) {
	f.Add("Filter.1.Name=instance-state-name&Filter.1.Value.1=running&Filter.1.Value.2=stopped")
	f.Add("Filter.1.Name=tag:Name&Filter.1.Value.1=web&Filter.2.Name=instance-id&Filter.2.Value.1=i-1")
	f.Add("Filter.2.Name=skipped-because-1-is-missing")
	f.Add("Filter.1.Name=&Filter.1.Value.1=x")
	f.Add("Filter.1.Name=a&Filter.1.Value.2=gap")
	f.Add("Filter.1.Name=a&Filter.1.Name=b")
	f.Fuzz(func(t *testing.T, raw string) {
		params, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		filters := Filters(params)
		if !reflect.DeepEqual(filters, Filters(params)) {
			t.Fatal("Filters is not deterministic")
		}
		for i, flt := range filters {
			p := fmt.Sprintf("Filter.%d", i+1)
			if flt.Name == "" || flt.Name != params.Get(p+".Name") {
				t.Fatalf("filter %d name %q, want %q", i+1, flt.Name, params.Get(p+".Name"))
			}
			if !reflect.DeepEqual(flt.Values, Indexed(params, p+".Value")) {
				t.Fatalf("filter %d values %q disagree with Indexed", i+1, flt.Values)
			}
		}
		if next := fmt.Sprintf("Filter.%d.Name", len(filters)+1); params.Get(next) != "" {
			t.Fatalf("Filters stopped early: %s is set", next)
		}
	})
}

func FuzzIndexedStructs(f *testing.F) {
	f.Add("TagSpecification", "TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web")
	f.Add("Tags.member", "Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.2.Key=c")
	f.Add("Tags.member", "Tags.member.2.Key=gap")
	f.Add("X", "X.1.=empty-field&X.1.a=")
	f.Add("", ".1.a=b")
	f.Add("X", "X.1.a=1&X.1.a=2&X.10.a=3")
	f.Fuzz(func(t *testing.T, prefix, raw string) {
		params, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got := IndexedStructs(params, prefix)
		if !reflect.DeepEqual(got, IndexedStructs(params, prefix)) {
			t.Fatal("IndexedStructs is not deterministic")
		}
		for i, m := range got {
			if len(m) == 0 {
				t.Fatalf("struct %d is empty", i+1)
			}
			p := fmt.Sprintf("%s.%d.", prefix, i+1)
			for field, v := range m {
				if vs := params[p+field]; len(vs) == 0 || vs[0] != v {
					t.Fatalf("struct %d field %q = %q, params have %q", i+1, field, v, vs)
				}
			}
			// Every parameter under this index is in the struct.
			for k, vs := range params {
				if rest, ok := strings.CutPrefix(k, p); ok && len(vs) > 0 && m[rest] != vs[0] {
					t.Fatalf("struct %d lacks %s=%q", i+1, k, vs[0])
				}
			}
		}
		next := fmt.Sprintf("%s.%d.", prefix, len(got)+1)
		for k, vs := range params {
			if strings.HasPrefix(k, next) && len(vs) > 0 {
				t.Fatalf("IndexedStructs stopped before %s", k)
			}
		}
	})
}

// FuzzPolicyEscape checks IAM's policy encoding decodes back exactly both
// with '+'-aware (Go url.QueryUnescape) and '+'-blind (Python's unquote,
// like url.PathUnescape) decoders, which is what the aws CLI relies on.
func FuzzPolicyEscape(f *testing.F) {
	f.Add(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`)
	f.Add("a+b c%20d/é")
	f.Fuzz(func(t *testing.T, doc string) {
		enc := PolicyEscape(doc)
		if strings.ContainsAny(enc, "+ ") {
			t.Fatalf("PolicyEscape(%q) = %q keeps a '+' or space", doc, enc)
		}
		for name, unescape := range map[string]func(string) (string, error){"QueryUnescape": url.QueryUnescape, "PathUnescape": url.PathUnescape} {
			if got, err := unescape(enc); err != nil || got != doc {
				t.Fatalf("%s(PolicyEscape(%q)) = %q, %v", name, doc, got, err)
			}
		}
	})
}
