package wire

import "testing"

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"al2023-ami-*", "al2023-ami-2023.6-x86_64", true},
		{"*x86_64", "al2023-ami-2023.6-x86_64", true},
		{"*arm64", "al2023-ami-2023.6-x86_64", false},
		{"w?b", "web", true},
		{"w?b", "wb", false},
		{"*", "", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{`a\*`, "a*", true},
		{`a\*`, "ab", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	}
	for _, tt := range tests {
		if got := Glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestIDSyntax(t *testing.T) {
	for id, want := range map[string]bool{
		"i-0123456789abcdef0": true, "i-12345678": true, "i-0123456789ABCDEF0": false,
		"i-123": false, "i-0123456789abcdef01": false, "": false, "ami-12345678": false,
	} {
		if got := IsHexID(id, "i-"); got != want {
			t.Errorf("IsHexID(%q) = %v, want %v", id, got, want)
		}
	}
}
