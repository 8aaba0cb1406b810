package protocol

import (
	"net/http"
	"strings"
)

// Scope is what a SigV4 credential scope says about a request: the signing
// service and the region. Both are empty when the request is unsigned.
type Scope struct {
	Service string
	Region  string
}

// ScopeOf reads the SigV4 credential scope from the Authorization header, or
// from X-Amz-Credential for presigned URLs. Credentials are never checked:
// the emulator accepts any.
func ScopeOf(r *http.Request) Scope {
	cred := ""
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "AWS4-") {
		if i := strings.Index(auth, "Credential="); i >= 0 {
			cred = auth[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		cred = c
	}
	// AKID/yyyymmdd/region/service/aws4_request
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return Scope{}
	}
	return Scope{Region: parts[2], Service: parts[3]}
}

// RegionOf is the request's region, DefaultRegion when unsigned.
func RegionOf(r *http.Request) string {
	if s := ScopeOf(r); s.Region != "" {
		return s.Region
	}
	return DefaultRegion
}
