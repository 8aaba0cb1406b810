package protocol

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Bounds of a Query-protocol request, checked before any parsing. AWS's own
// lists are far smaller (50 tags, 200 filter values, 1,000 ids), so a
// request past these is garbage or an attack.
const (
	// MaxQueryBody bounds the form-encoded body.
	MaxQueryBody = 1 << 20
	// MaxQueryParams bounds the parameters of the query string and the
	// body together.
	MaxQueryParams = 2000
)

// Dialect says how a Query service renders errors: EC2 has its own
// <Response><Errors> shape, IAM and STS use <ErrorResponse>.
type Dialect int

const (
	// DialectQuery is the awsQuery shape of IAM and STS.
	DialectQuery Dialect = iota
	// DialectEC2 is the ec2 protocol shape.
	DialectEC2
)

// QueryRequest is a parsed Query-protocol call.
type QueryRequest struct {
	Service   string
	Region    string
	Action    string
	Version   string
	RequestID string
	Params    url.Values
}

// QueryHandler is a service that answers Query-protocol actions. It returns
// a value to marshal as the XML response body, or an error (an *Error for
// anything the caller did wrong).
type QueryHandler interface {
	Actions() []string
	HandleQuery(ctx context.Context, req *QueryRequest) (any, error)
}

// queryMemo keeps a request's parsed parameters: its authorization and its
// service then read and parse the body once.
type queryMemo struct {
	done   bool
	params url.Values
	err    *Error
}

type queryMemoKey struct{}

// WithQueryMemo returns ctx in which ParseQuery parses a request once and
// hands every later caller the same (read-only) parameters.
func WithQueryMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, queryMemoKey{}, &queryMemo{})
}

// ParseQuery reads a Query-protocol request: form-encoded body (POST) merged
// with the URL query string (GET). Under WithQueryMemo, only the first call
// reads the body.
func ParseQuery(r *http.Request) (url.Values, *Error) {
	m, _ := r.Context().Value(queryMemoKey{}).(*queryMemo)
	if m != nil && m.done {
		return m.params, m.err
	}
	params, err := parseQuery(r)
	if m != nil {
		m.done, m.params, m.err = true, params, err
	}
	return params, err
}

func parseQuery(r *http.Request) (url.Values, *Error) {
	count := paramCount(r.URL.RawQuery)
	if count > MaxQueryParams {
		return nil, tooManyParams(count)
	}
	params := url.Values{}
	for k, v := range r.URL.Query() {
		params[k] = v
	}
	if r.Body != nil && r.Method != http.MethodGet {
		if r.ContentLength > MaxQueryBody {
			return nil, queryTooLarge()
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxQueryBody+1))
		if err != nil {
			return nil, BadRequest("MalformedQueryString", "could not read request body: %v", err)
		}
		if len(body) > MaxQueryBody {
			return nil, queryTooLarge()
		}
		if count += paramCount(string(body)); count > MaxQueryParams {
			return nil, tooManyParams(count)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, BadRequest("MalformedQueryString", "request body is not a valid form encoding: %v", err)
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	return params, nil
}

// paramCount counts the parameters of a form encoding without decoding it.
func paramCount(form string) int {
	if form == "" {
		return 0
	}
	return strings.Count(form, "&") + strings.Count(form, ";") + 1
}

func tooManyParams(n int) *Error {
	return BadRequest("InvalidQueryParameter", "The request has %d parameters; at most %d are accepted in one request.", n, MaxQueryParams)
}

func queryTooLarge() *Error {
	return Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body must be smaller than %d bytes.", MaxQueryBody)
}

// ServeQuery parses r, dispatches it to h and writes the XML answer or the
// error in the given dialect.
func ServeQuery(w http.ResponseWriter, r *http.Request, service string, dialect Dialect, h QueryHandler) {
	reqID := RequestID()
	params, perr := ParseQuery(r)
	if perr != nil {
		WriteQueryError(w, dialect, perr, reqID)
		return
	}
	req := &QueryRequest{
		Service:   service,
		Region:    RegionOf(r),
		Action:    params.Get("Action"),
		Version:   params.Get("Version"),
		RequestID: reqID,
		Params:    params,
	}
	if req.Action == "" {
		WriteQueryError(w, dialect, BadRequest("MissingAction", "the request has no Action parameter; send Action=<Operation> as a form field"), reqID)
		return
	}
	if n, ok := w.(CallNoter); ok {
		n.NoteCall(service, req.Action)
	}
	out, err := h.HandleQuery(r.Context(), req)
	if err != nil {
		WriteQueryError(w, dialect, AsError(err), reqID)
		return
	}
	WriteXML(w, http.StatusOK, out)
}

// UnknownAction is the error for an action a service does not implement.
func UnknownAction(service, action string) *Error {
	return BadRequest("InvalidAction", "The action %s is not valid for this web service (%s) in this emulator.", action, service)
}

// RawDocument is a response document whose content was rendered already
// (EC2 caches its instances' XML): WriteXML wraps it in its root element
// without reflection.
type RawDocument struct {
	Root  xml.Name // namespace and local name of the document element
	Inner []byte   // the content, well-formed XML
}

// MarshalXML renders the document for encoding/xml users (tests, logs);
// WriteXML does not need it.
func (d RawDocument) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	inner := struct {
		Inner []byte `xml:",innerxml"`
	}{d.Inner}
	return e.EncodeElement(inner, xml.StartElement{Name: d.Root})
}

// WriteXML writes v as an XML document with the given status, in one
// write with its Content-Length.
func WriteXML(w http.ResponseWriter, status int, v any) {
	var doc []byte
	if raw, ok := v.(RawDocument); ok {
		doc = make([]byte, 0, len(xml.Header)+len(raw.Inner)+2*len(raw.Root.Local)+len(raw.Root.Space)+16)
		doc = append(doc, xml.Header...)
		doc = append(doc, '<')
		doc = append(doc, raw.Root.Local...)
		if raw.Root.Space != "" {
			doc = append(doc, ` xmlns="`...)
			doc = append(doc, raw.Root.Space...) // a namespace URI of ours: nothing to escape
			doc = append(doc, '"')
		}
		doc = append(doc, '>')
		doc = append(doc, raw.Inner...)
		doc = append(doc, "</"...)
		doc = append(doc, raw.Root.Local...)
		doc = append(doc, '>')
	} else {
		body, err := xml.Marshal(v)
		if err != nil {
			http.Error(w, "failed to encode response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		doc = append([]byte(xml.Header), body...)
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(status)
	_, _ = w.Write(doc)
}

type ec2ErrorResponse struct {
	XMLName   xml.Name `xml:"Response"`
	Errors    []ec2Err `xml:"Errors>Error"`
	RequestID string   `xml:"RequestID"`
}

type ec2Err struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type queryErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Error     queryErr `xml:"Error"`
	RequestID string   `xml:"RequestId"`
}

type queryErr struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// WriteQueryError renders e in the dialect's XML error shape.
func WriteQueryError(w http.ResponseWriter, dialect Dialect, e *Error, reqID string) {
	noteError(w, e)
	w.Header().Set("x-amzn-RequestId", reqID)
	if dialect == DialectEC2 {
		WriteXML(w, e.Status, ec2ErrorResponse{Errors: []ec2Err{{Code: e.Code, Message: e.Message}}, RequestID: reqID})
		return
	}
	WriteXML(w, e.Status, queryErrorResponse{Error: queryErr{Type: e.FaultType(), Code: e.Code, Message: e.Message}, RequestID: reqID})
}

// Indexed returns the values of prefix.1, prefix.2, ... in order; it stops at
// the first gap, as AWS does.
func Indexed(params url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := params[prefix+"."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

// Members returns the values of prefix.member.1, prefix.member.2, ... (the
// awsQuery list encoding used by IAM and STS).
func Members(params url.Values, prefix string) []string {
	return Indexed(params, prefix+".member")
}

// Filter is one EC2 Filter.N entry.
type Filter struct {
	Name   string
	Values []string
}

// Filters reads Filter.N.Name / Filter.N.Value.M.
func Filters(params url.Values) []Filter {
	var out []Filter
	for i := 1; ; i++ {
		p := "Filter." + strconv.Itoa(i)
		name := params.Get(p + ".Name")
		if name == "" {
			return out
		}
		out = append(out, Filter{Name: name, Values: Indexed(params, p+".Value")})
	}
}

// Tag is a key/value pair as EC2 and IAM carry it.
type Tag struct {
	Key   string `xml:"key" json:"Key"`
	Value string `xml:"value" json:"Value"`
}

// IndexedStructs groups prefix.N.Field values into one map per N, in order,
// stopping at the first N that has no field at all. It reads the
// parameters once, whatever their number.
func IndexedStructs(params url.Values, prefix string) []map[string]string {
	byIndex := map[int]map[string]string{}
	for k, v := range params {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok || len(v) == 0 {
			continue
		}
		num, field, ok := strings.Cut(rest, ".")
		i, err := strconv.Atoi(num)
		if !ok || err != nil || i < 1 || strconv.Itoa(i) != num {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = map[string]string{}
		}
		byIndex[i][field] = v[0]
	}
	var out []map[string]string
	for i := 1; byIndex[i] != nil; i++ {
		out = append(out, byIndex[i])
	}
	return out
}

// SortedKeys returns a map's keys in order, for stable listings.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
