package cli

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/apidriven/api-driven/emulator"
	"github.com/apidriven/api-driven/emulator/perimeter"
)

// perimeterSettings are the flags that say who may reach the emulator and
// as whom its functions run (see package perimeter and docs/security.md).
type perimeterSettings struct {
	publicAddr, functionUser       *string
	functionGroups                 *string
	extraHosts, extraOrigins       *string
	allowRemote, noCORS, apigwCORS *bool
}

func perimeterFlags(fs *flag.FlagSet) *perimeterSettings {
	return &perimeterSettings{
		publicAddr: fs.String("public-addr", os.Getenv("AWSEMU_PUBLIC_ADDR"),
			"also serve deployed APIs' stage URLs and the health check, and nothing else, on this address: the port to make public (env AWSEMU_PUBLIC_ADDR)"),
		allowRemote: fs.Bool(strings.TrimPrefix(perimeter.FlagAllowRemote, "-"), envBool(perimeter.EnvAllowRemote),
			"allow an -addr other machines can reach; every AWS API call must then be signed with configured credentials (env "+perimeter.EnvAllowRemote+"=1)"),
		extraHosts: fs.String(strings.TrimPrefix(perimeter.FlagExtraHosts, "-"), os.Getenv(perimeter.EnvExtraHosts),
			"comma-separated Host names the AWS APIs also answer (name, *.domain, or *), besides localhost, 127.0.0.1, ::1, *.localhost, *.localhost.localstack.cloud (env "+perimeter.EnvExtraHosts+")"),
		extraOrigins: fs.String(strings.TrimPrefix(perimeter.FlagExtraOrigins, "-"), os.Getenv(perimeter.EnvExtraOrigins),
			"comma-separated browser origins (scheme://host:port) allowed to call the AWS APIs, besides the emulator's own (env "+perimeter.EnvExtraOrigins+")"),
		noCORS: fs.Bool(strings.TrimPrefix(perimeter.FlagDisableCORSChecks, "-"), envBool(perimeter.EnvDisableCORSChecks),
			"let web pages of any origin call the AWS APIs (not recommended; env "+perimeter.EnvDisableCORSChecks+"=1)"),
		apigwCORS: fs.Bool("disable-custom-cors-apigateway", envBool("AWSEMU_DISABLE_CUSTOM_CORS_APIGATEWAY"),
			"apply the origin checks to stage URLs on the AWS API port too (env AWSEMU_DISABLE_CUSTOM_CORS_APIGATEWAY=1)"),
		functionUser: fs.String("function-user", os.Getenv("AWSEMU_FUNCTION_USER"),
			"run functions as this user (name or uid:gid); default nobody when awsemu runs as root, else awsemu's own user; self keeps root (env AWSEMU_FUNCTION_USER)"),
		functionGroups: fs.String("function-groups", os.Getenv("AWSEMU_FUNCTION_GROUPS"),
			"comma-separated supplementary groups (names or gids) of -function-user, such as the Docker socket's (env AWSEMU_FUNCTION_GROUPS)"),
	}
}

// credentialsFromEnv reads AWSEMU_CREDENTIALS.
func credentialsFromEnv() (map[string]string, error) {
	creds, err := perimeter.ParseCredentials(os.Getenv(perimeter.EnvCredentials))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range creds {
		out[c.AccessKeyID] = c.Secret
	}
	return out, nil
}

func (p *perimeterSettings) apply(cfg *emulator.Config) error {
	cfg.PublicAddr = *p.publicAddr
	cfg.AllowRemote = *p.allowRemote
	cfg.FunctionUser = *p.functionUser
	cfg.FunctionGroups = splitList(*p.functionGroups)
	cfg.Perimeter = perimeter.Policy{
		ExtraAllowedHosts:           splitList(*p.extraHosts),
		ExtraCORSAllowedOrigins:     splitList(*p.extraOrigins),
		DisableCORSChecks:           *p.noCORS,
		DisableCustomCORSAPIGateway: *p.apigwCORS,
	}
	if cs, ok := perimeter.CodespaceFromEnv(os.Getenv); ok {
		cfg.Perimeter.Codespace = cs
	}
	var err error
	cfg.Credentials, err = credentialsFromEnv()
	return err
}

// report prints what is reachable from where, beyond the local AWS APIs.
func (p *perimeterSettings) report(w io.Writer, srv *emulator.Server) {
	addr := strings.TrimPrefix(srv.URL(), "http://")
	if host, _, _ := net.SplitHostPort(addr); !perimeter.IsLoopbackHost(host) {
		fmt.Fprintln(w, perimeter.RemoteWarning(addr))
	}
	if srv.PublicURL() != "" {
		fmt.Fprintf(w, "public port (stage URLs and health only) on %s\n", srv.PublicURL())
	}
	if *p.noCORS {
		fmt.Fprintf(w, "WARNING: %s: any web page you open can call the AWS APIs and run code on this machine\n", perimeter.FlagDisableCORSChecks)
	}
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
