package mapping

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/apidriven/api-driven/emulator/vtl"
)

// util is $util.
type util struct{}

func (util) Call(name string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("$util.%s takes one argument", name)
	}
	s := vtl.ToString(args[0])
	switch name {
	case "escapeJavaScript":
		return EscapeJavaScript(s), nil
	case "parseJson":
		v, err := vtl.FromJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("$util.parseJson: %w", err)
		}
		return v, nil
	case "base64Encode":
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "base64Decode":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("$util.base64Decode: %w", err)
		}
		return string(b), nil
	case "urlEncode":
		return URLEncode(s), nil
	case "urlDecode":
		return URLDecode(s)
	}
	return nil, nil
}

// EscapeJavaScript escapes as Apache Commons Lang's escapeJavaScript, which
// API Gateway uses: quotes (single ones too), backslash, slash, control
// characters, and everything beyond ASCII as \uXXXX (UTF-16 units).
func EscapeJavaScript(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		switch {
		case u > 0x7f:
			fmt.Fprintf(&b, `\u%04X`, u)
		case u == '\b':
			b.WriteString(`\b`)
		case u == '\n':
			b.WriteString(`\n`)
		case u == '\t':
			b.WriteString(`\t`)
		case u == '\f':
			b.WriteString(`\f`)
		case u == '\r':
			b.WriteString(`\r`)
		case u < 0x20:
			fmt.Fprintf(&b, `\u%04X`, u)
		case u == '\'' || u == '"' || u == '\\' || u == '/':
			b.WriteByte('\\')
			b.WriteByte(byte(u))
		default:
			b.WriteByte(byte(u))
		}
	}
	return b.String()
}

// URLEncode is Java's URLEncoder.encode(s, "UTF-8"): letters, digits and
// .-*_ stay, space becomes +, the rest %XX.
func URLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// URLDecode is Java's URLDecoder.decode(s, "UTF-8").
func URLDecode(s string) (string, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", errors.New("$util.urlDecode: incomplete % escape")
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
