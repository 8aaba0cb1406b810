package perimeter

import "strings"

// Codespace is a GitHub Codespace: it forwards each port of this machine's
// loopback as https://<name>-<port>.<domain>, private (the owner signed in
// to GitHub) unless made public.
type Codespace struct {
	Name   string // CODESPACE_NAME
	Domain string // GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN, app.github.dev
}

// CodespaceFromEnv reads the variables a Codespace sets; ok is false
// elsewhere.
func CodespaceFromEnv(getenv func(string) string) (c Codespace, ok bool) {
	c = Codespace{Name: strings.TrimSpace(getenv("CODESPACE_NAME")), Domain: strings.TrimSpace(getenv("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN"))}
	if c.Name == "" || c.Domain == "" {
		return Codespace{}, false
	}
	return c, true
}

// Host is the forwarded host name of port.
func (c Codespace) Host(port string) string {
	return c.Name + "-" + port + "." + c.Domain
}
