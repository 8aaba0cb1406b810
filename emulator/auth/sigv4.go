package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	algorithm     = "AWS4-HMAC-SHA256"
	amzDateLayout = "20060102T150405Z"
	// UnsignedPayload is the payload hash of a request whose body is not
	// signed (X-Amz-Content-Sha256: UNSIGNED-PAYLOAD).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// EmptyPayloadHash is the SHA-256 of an empty body.
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// signature is what a SigV4-signed request carries, from its
// Authorization header or, presigned, from its query string.
type signature struct {
	accessKeyID   string
	scopeDate     string // yyyymmdd
	region        string
	service       string
	signedHeaders []string
	signature     string
	amzDate       string
	signedAt      time.Time
	presigned     bool
	expires       time.Duration // presigned only
	securityToken string
}

// scope is the credential scope: yyyymmdd/region/service/aws4_request.
func (s *signature) scope() string {
	return s.scopeDate + "/" + s.region + "/" + s.service + "/aws4_request"
}

// isSigned reports whether r carries a SigV4 signature of any form (even
// a malformed one).
func isSigned(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Has("X-Amz-Signature") || r.URL.Query().Has("X-Amz-Credential")
}

// parseSignature reads r's signature; it fails with IncompleteSignature
// (or MissingAuthentication when there is none).
func parseSignature(r *http.Request) (*signature, *Error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return parseAuthorization(r, auth)
	}
	q := r.URL.Query()
	if q.Has("X-Amz-Signature") || q.Has("X-Amz-Credential") {
		return parsePresigned(q)
	}
	return nil, failf(MissingAuthentication, "Request is missing Authentication Token")
}

func parseAuthorization(r *http.Request, auth string) (*signature, *Error) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != algorithm {
		return nil, failf(IncompleteSignature, "Unsupported AWS 'algorithm': '%s'. The emulator verifies SigV4 (AWS4-HMAC-SHA256) signatures only.", alg)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		if _, twice := fields[k]; twice {
			// The router reads the first Credential, so a second one
			// could make it route by a scope other than the one signed.
			return nil, failf(IncompleteSignature, "Authorization header has '%s' twice. Authorization=%s", k, auth)
		}
		fields[k] = v
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			return nil, failf(IncompleteSignature, "Authorization header requires '%s' parameter. Authorization=%s", k, auth)
		}
	}
	sig := &signature{signature: fields["Signature"], signedHeaders: strings.Split(fields["SignedHeaders"], ";")}
	if err := sig.setCredential(fields["Credential"]); err != nil {
		return nil, err
	}
	if err := sig.hostSigned(); err != nil {
		return nil, err
	}
	sig.amzDate = r.Header.Get("X-Amz-Date")
	if sig.amzDate == "" {
		if d, err := http.ParseTime(r.Header.Get("Date")); err == nil {
			sig.amzDate = d.UTC().Format(amzDateLayout)
		}
	}
	if sig.amzDate == "" {
		return nil, failf(IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", auth)
	}
	sig.securityToken = r.Header.Get("X-Amz-Security-Token")
	return sig, sig.setDate()
}

func parsePresigned(q url.Values) (*signature, *Error) {
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date"} {
		if q.Get(k) == "" {
			return nil, failf(IncompleteSignature, "AWS query-string parameters must include '%s'. Re-examine the query-string parameters.", k)
		}
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != algorithm {
		return nil, failf(IncompleteSignature, "Unsupported AWS 'algorithm': '%s'. The emulator verifies SigV4 (AWS4-HMAC-SHA256) signatures only.", alg)
	}
	sig := &signature{
		presigned:     true,
		signature:     q.Get("X-Amz-Signature"),
		signedHeaders: strings.Split(q.Get("X-Amz-SignedHeaders"), ";"),
		amzDate:       q.Get("X-Amz-Date"),
		securityToken: q.Get("X-Amz-Security-Token"),
		expires:       7 * 24 * time.Hour, // SigV4's maximum
	}
	if raw := q.Get("X-Amz-Expires"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 7*24*3600 {
			return nil, failf(IncompleteSignature, "X-Amz-Expires must be a number of seconds between 0 and 604800, not %q", raw)
		}
		sig.expires = time.Duration(n) * time.Second
	}
	if err := sig.setCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := sig.hostSigned(); err != nil {
		return nil, err
	}
	return sig, sig.setDate()
}

// hostSigned requires the Host among the signed headers, as AWS does: a
// signature that leaves it out could be replayed against another host.
func (s *signature) hostSigned() *Error {
	if !slices.Contains(s.signedHeaders, "host") && !slices.Contains(s.signedHeaders, ":authority") {
		return failf(IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// setCredential parses AKID/yyyymmdd/region/service/aws4_request.
func (s *signature) setCredential(cred string) *Error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" {
		return failf(IncompleteSignature, "Credential should be scoped to a valid region and service, as AKID/yyyymmdd/region/service/aws4_request, not '%s'.", cred)
	}
	s.accessKeyID, s.scopeDate, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func (s *signature) setDate() *Error {
	t, err := time.Parse(amzDateLayout, s.amzDate)
	if err != nil {
		return failf(IncompleteSignature, "Date must be in ISO-8601 'basic format' (yyyyMMdd'T'HHmmss'Z'), not '%s'.", s.amzDate)
	}
	if s.scopeDate != s.amzDate[:8] {
		return failf(SignatureMismatch, "Credential should be scoped to a valid date: '%s' does not match the signing date '%s'.", s.scopeDate, s.amzDate[:8])
	}
	s.signedAt = t
	return nil
}

// canonicalRequest builds the SigV4 canonical request of r, as AWS's
// signers do for every service but S3: the escaped path escaped once more,
// the query sorted after encoding, the signed headers trimmed.
func canonicalRequest(r *http.Request, sig *signature, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(awsEscape(path, false))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, h := range sig.signedHeaders {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sig.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalQuery encodes every parameter but X-Amz-Signature and sorts
// the encoded pairs.
func canonicalQuery(raw string) string {
	type pair struct{ k, v string }
	var pairs []pair
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{awsEscape(k, true), awsEscape(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// headerValue is a signed header's canonical value: its values trimmed,
// inner runs of spaces collapsed, joined by commas.
func headerValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		values = r.Header.Values(name)
	}
	for i, v := range values {
		values[i] = collapseSpaces(v)
	}
	return strings.Join(values, ",")
}

// collapseSpaces trims spaces and turns inner runs of them into one.
func collapseSpaces(v string) string {
	v = strings.Trim(v, " ")
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// awsEscape percent-encodes every byte outside RFC 3986's unreserved set
// (uppercase hex); '/' too when escapeSlash.
func awsEscape(s string, escapeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !escapeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// stringToSign hashes the canonical request under the signature's scope.
func stringToSign(sig *signature, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithm + "\n" + sig.amzDate + "\n" + sig.scope() + "\n" + hex.EncodeToString(sum[:])
}

// signingKey derives the SigV4 key of secret for the signature's scope.
func signingKey(secret string, sig *signature) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), sig.scopeDate)
	k = hmacSHA256(k, sig.region)
	k = hmacSHA256(k, sig.service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// matches reports whether sig is the signature of canonical under the
// signing key of its scope.
func matches(key []byte, sig *signature, canonical string) bool {
	want := hmacSHA256(key, stringToSign(sig, canonical))
	got, err := hex.DecodeString(sig.signature)
	return err == nil && hmac.Equal(want, got)
}

// maxSigningKeys bounds the cache of derived keys; it is emptied when full.
const maxSigningKeys = 1024

// signingKeys caches derived signing keys by secret and scope: a key
// serves every call of a credential for a day, region and service, and
// deriving it takes four HMACs. The zero value is ready.
type signingKeys struct {
	mu   sync.Mutex
	keys map[string][]byte
}

func (c *signingKeys) get(secret string, sig *signature) []byte {
	id := secret + "\n" + sig.scope()
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.keys[id]; ok {
		return k
	}
	if c.keys == nil || len(c.keys) >= maxSigningKeys {
		c.keys = map[string][]byte{}
	}
	k := signingKey(secret, sig)
	c.keys[id] = k
	return k
}
