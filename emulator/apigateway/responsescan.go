package apigateway

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// scanProxyResponse is parseProxyResponse's path for the usual reply
// (events.APIGatewayProxyResponse as aws-lambda-go encodes it: a
// statusCode in range, headers of strings, multiValueHeaders null, a
// string body), without reflection. It declines (ok false) anything else,
// which decodeProxyResponse then parses, errors included; when it answers,
// it answers as decodeProxyResponse would (FuzzScanProxyResponse checks).
func scanProxyResponse(out []byte) (*proxyResponse, bool) {
	s := &replyScanner{b: out}
	if !s.next('{') {
		return nil, false
	}
	var (
		seen   = map[string]bool{} // at most the five fields
		status = -1
		body   string
		b64    bool
		resp   = &proxyResponse{}
		ok     bool
	)
	for !s.next('}') {
		if len(seen) > 0 && !s.next(',') {
			return nil, false
		}
		key, keyOK := s.str()
		if !keyOK || seen[key] || !s.next(':') {
			return nil, false
		}
		seen[key] = true
		switch key {
		case "statusCode":
			status, ok = s.int()
		case "headers":
			if ok = s.null(); !ok {
				resp.headers, ok = s.strMap()
			}
		case "multiValueHeaders":
			ok = s.null()
		case "body":
			if ok = s.null(); !ok {
				body, ok = s.str()
			}
		case "isBase64Encoded":
			if ok = s.null(); !ok {
				b64, ok = s.bool()
			}
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
	s.ws()
	if s.i != len(s.b) || status < 200 || status > 599 {
		return nil, false
	}
	resp.status, resp.body = status, []byte(body)
	if b64 {
		var err error
		if resp.body, err = base64.StdEncoding.DecodeString(body); err != nil {
			return nil, false
		}
	}
	return resp, true
}

// replyScanner reads the JSON tokens scanProxyResponse accepts.
type replyScanner struct {
	b []byte
	i int
}

func (s *replyScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// next consumes c after any whitespace.
func (s *replyScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *replyScanner) literal(word string) bool {
	s.ws()
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

func (s *replyScanner) null() bool { return s.literal("null") }

func (s *replyScanner) bool() (bool, bool) {
	if s.literal("true") {
		return true, true
	}
	return false, s.literal("false")
}

// int reads an integer written without fraction or exponent.
func (s *replyScanner) int() (int, bool) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || (s.b[digits] == '0' && s.i-digits > 1) || (s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E')) {
		return 0, false
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	return n, err == nil
}

// str reads a string of valid UTF-8 with the usual escapes; it declines
// \u escapes of surrogates (rare, and subtle).
func (s *replyScanner) str() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	start := s.i
	var buf []byte // only when escapes are met
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			chunk := s.b[start:s.i]
			if !utf8.Valid(chunk) {
				return "", false
			}
			s.i++
			if buf == nil {
				return string(chunk), true
			}
			return string(append(buf, chunk...)), true
		case c < ' ':
			return "", false
		case c == '\\':
			if !utf8.Valid(s.b[start:s.i]) || s.i+1 >= len(s.b) {
				return "", false
			}
			buf = append(buf, s.b[start:s.i]...)
			esc := s.b[s.i+1]
			s.i += 2
			switch esc {
			case '"', '\\', '/':
				buf = append(buf, esc)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				if s.i+4 > len(s.b) {
					return "", false
				}
				r, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 16)
				if err != nil || utf8.RuneLen(rune(r)) < 0 { // a surrogate
					return "", false
				}
				buf = utf8.AppendRune(buf, rune(r))
				s.i += 4
			default:
				return "", false
			}
			start = s.i
		default:
			s.i++
		}
	}
	return "", false
}

// strMap reads an object of strings.
func (s *replyScanner) strMap() (map[string]string, bool) {
	if !s.next('{') {
		return nil, false
	}
	m := map[string]string{}
	for !s.next('}') {
		if len(m) > 0 && !s.next(',') {
			return nil, false
		}
		k, ok := s.str()
		if !ok || !s.next(':') {
			return nil, false
		}
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}
