package provision

import (
	"fmt"
	"strings"
)

// InvokeURL is the public URL of one route. Our emulator and LocalStack
// serve /_aws/execute-api/{id}/{stage}/{route} on their endpoint (moto does
// not serve stage URLs at all: the form is used for any other endpoint);
// AWS serves https://{id}.execute-api.{region}.amazonaws.com/{stage}/{route}.
// publicBase, when set, replaces the endpoint (a Codespaces forwarded URL).
func InvokeURL(backend, endpoint, publicBase, region, restAPIID, stage, route string) string {
	route = strings.TrimPrefix(route, "/")
	if backend == BackendAWS {
		domain := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			domain = "amazonaws.com.cn"
		}
		return fmt.Sprintf("https://%s.execute-api.%s.%s/%s/%s", restAPIID, region, domain, stage, route)
	}
	base := endpoint
	if publicBase != "" {
		base = publicBase
	}
	return fmt.Sprintf("%s/_aws/execute-api/%s/%s/%s", strings.TrimRight(base, "/"), restAPIID, stage, route)
}

func urlsFor(cfg Config, restAPIID string) URLs {
	u := func(route string) string {
		return InvokeURL(cfg.Backend, cfg.Endpoint, cfg.PublicBaseURL, cfg.Region, restAPIID, cfg.Stage, route)
	}
	return URLs{Start: u("start"), Stop: u("stop"), Status: u("status")}
}

// URLsAt are the three routes of a deployment served from base (another
// port of the emulator, or a Codespace's forwarded origin).
func URLsAt(o *Outputs, base string) URLs {
	u := func(route string) string {
		return InvokeURL(o.Backend, o.Endpoint, base, o.Region, o.RestAPIID, o.Stage, route)
	}
	return URLs{Start: u("start"), Stop: u("stop"), Status: u("status")}
}
