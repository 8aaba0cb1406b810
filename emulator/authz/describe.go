package authz

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/apidriven/api-driven/emulator/auth"
	"github.com/apidriven/api-driven/emulator/protocol"
)

// describe fills call with the IAM action and resources of r, as AWS's
// service authorization reference names them for the emulated services.
// Only calls of enforced principals are described: their bodies were
// read by the verifier and can be read again.
func (g *Gate) describe(r *http.Request, p auth.Principal, call *Call) *protocol.Error {
	account := p.Account
	switch call.Service {
	case "ec2", "iam", "sts":
		params, perr := protocol.ParseQuery(r)
		if perr != nil || params.Get("Action") == "" {
			return nil // the service reports the malformed call itself
		}
		action := params.Get("Action")
		call.Action = call.Service + ":" + action
		var arns []string
		switch call.Service {
		case "ec2":
			arns = ec2Resources(action, call.Region, account, params)
		case "iam":
			arns = g.iamResources(action, p, params)
		case "sts":
			if action == "AssumeRole" && params.Get("RoleArn") != "" {
				arns = []string{params.Get("RoleArn")}
			}
		}
		call.Resources = g.withTags(call.Service, arns)
	case "lambda":
		call.Action = restAction(r, "lambda")
		if arn := lambdaResource(r, call.Region, account); arn != "" {
			call.Resources = g.withTags("lambda", []string{arn})
		}
	case "apigateway":
		call.Action = restAction(r, "apigateway")
		call.Resources = g.withTags("apigateway", []string{"arn:aws:apigateway:" + call.Region + "::" + r.URL.Path})
	}
	return nil
}

// withTags looks up each ARN's tags in the service that owns it.
func (g *Gate) withTags(service string, arns []string) []Resource {
	out := make([]Resource, 0, len(arns))
	src := g.Tags[service]
	for _, arn := range arns {
		res := Resource{ARN: arn}
		if src != nil {
			res.Tags, _ = src.ResourceTags(arn)
		}
		out = append(out, res)
	}
	return out
}

// instanceActions act on the instances named by InstanceId.N.
var instanceActions = map[string]bool{
	"StartInstances": true, "StopInstances": true, "TerminateInstances": true, "RebootInstances": true,
	"DescribeInstanceAttribute": true, "ModifyInstanceAttribute": true, "GetConsoleOutput": true,
	"MonitorInstances": true, "UnmonitorInstances": true,
}

// ec2ResourceTypes names the resource type of an EC2 id prefix.
var ec2ResourceTypes = map[string]string{
	"i": "instance", "ami": "image", "vol": "volume", "snap": "snapshot", "sg": "security-group",
	"subnet": "subnet", "vpc": "vpc", "eni": "network-interface", "key": "key-pair",
	"igw": "internet-gateway", "rtb": "route-table",
}

func ec2ARN(region, account, id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	typ, ok := ec2ResourceTypes[prefix]
	if !ok {
		typ = prefix
	}
	if typ == "image" {
		account = "" // public images belong to no account
	}
	return "arn:aws:ec2:" + region + ":" + account + ":" + typ + "/" + id
}

func ec2Resources(action, region, account string, params url.Values) []string {
	var ids []string
	switch {
	case instanceActions[action]:
		ids = protocol.Indexed(params, "InstanceId")
		if id := params.Get("InstanceId"); id != "" {
			ids = append(ids, id) // the attribute calls name one, unnumbered
		}
	case action == "CreateTags" || action == "DeleteTags":
		ids = protocol.Indexed(params, "ResourceId")
	case action == "RunInstances":
		out := []string{"arn:aws:ec2:" + region + ":" + account + ":instance/*"}
		if img := params.Get("ImageId"); img != "" {
			out = append(out, ec2ARN(region, account, img))
		}
		return out
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, ec2ARN(region, account, id))
	}
	return out
}

// iamResources is the instance profile, user, role or policy an IAM call
// names; the calling user for the access key calls that name none.
func (g *Gate) iamResources(action string, p auth.Principal, params url.Values) []string {
	entity := func(kind, name string) []string {
		if g.IAMARN != nil {
			if arn, ok := g.IAMARN(kind, name); ok {
				return []string{arn}
			}
		}
		return []string{"arn:aws:iam::" + p.Account + ":" + kind + pathOr(params.Get("Path")) + name}
	}
	switch {
	case params.Get("InstanceProfileName") != "":
		return entity("instance-profile", params.Get("InstanceProfileName"))
	case params.Get("UserName") != "":
		return entity("user", params.Get("UserName"))
	case params.Get("RoleName") != "":
		return entity("role", params.Get("RoleName"))
	case params.Get("PolicyArn") != "":
		return []string{params.Get("PolicyArn")}
	case action == "CreatePolicy" && params.Get("PolicyName") != "":
		return []string{"arn:aws:iam::" + p.Account + ":policy" + pathOr(params.Get("Path")) + params.Get("PolicyName")}
	case p.Kind == auth.KindUser && (strings.Contains(action, "AccessKey") || action == "GetUser"):
		return []string{p.ARN}
	}
	return nil
}

func pathOr(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// restAction names the IAM action of a REST call: apigateway:METHOD, or
// the Lambda action of the route ("" when no route matches).
func restAction(r *http.Request, service string) string {
	switch service {
	case "apigateway":
		return "apigateway:" + r.Method
	case "lambda":
		if a := lambdaAction(r); a != "" {
			return "lambda:" + a
		}
	}
	return ""
}

// lambdaSegments splits a Lambda path into unescaped segments.
func lambdaSegments(r *http.Request) []string {
	var segs []string
	for _, s := range strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil
		}
		segs = append(segs, u)
	}
	return segs
}

// lambdaAction maps the routes Lambda serves to IAM action names.
func lambdaAction(r *http.Request) string {
	segs := lambdaSegments(r)
	m := r.Method
	switch {
	case len(segs) == 3 && segs[0] == "2017-03-31" && segs[1] == "tags":
		return map[string]string{"GET": "ListTags", "POST": "TagResource", "DELETE": "UntagResource"}[m]
	case len(segs) < 2 || segs[0] != "2015-03-31" || segs[1] != "functions":
		return ""
	case len(segs) == 2:
		return map[string]string{"GET": "ListFunctions", "POST": "CreateFunction"}[m]
	}
	sub := strings.Join(segs[3:], "/")
	if len(segs) == 5 && segs[3] == "policy" && m == "DELETE" {
		return "RemovePermission"
	}
	return map[string]string{
		"GET ": "GetFunction", "DELETE ": "DeleteFunction",
		"GET configuration": "GetFunctionConfiguration", "PUT configuration": "UpdateFunctionConfiguration",
		"PUT code": "UpdateFunctionCode", "GET code": "GetFunction",
		"GET policy": "GetPolicy", "POST policy": "AddPermission",
		"POST invocations": "InvokeFunction",
	}[m+" "+sub]
}

// lambdaResource is the function ARN a Lambda call acts on ("" for
// ListFunctions).
func lambdaResource(r *http.Request, region, account string) string {
	segs := lambdaSegments(r)
	switch {
	case len(segs) == 3 && segs[1] == "tags":
		return segs[2]
	case len(segs) == 2 && r.Method == http.MethodPost:
		var in struct{ FunctionName string }
		err := json.NewDecoder(r.Body).Decode(&in)
		if !auth.Rewind(r) || err != nil || in.FunctionName == "" {
			return ""
		}
		return functionARN(in.FunctionName, "", region, account)
	case len(segs) >= 3:
		return functionARN(segs[2], r.URL.Query().Get("Qualifier"), region, account)
	}
	return ""
}

// functionARN expands a function name, partial ARN or ARN, with its
// qualifier.
func functionARN(ref, qualifier, region, account string) string {
	arn := ref
	switch parts := strings.Split(ref, ":"); {
	case strings.HasPrefix(ref, "arn:"):
	case len(parts) >= 3 && parts[1] == "function": // ACCOUNT:function:NAME[:QUALIFIER]
		arn = "arn:aws:lambda:" + region + ":" + ref
	default: // NAME[:QUALIFIER]
		arn = "arn:aws:lambda:" + region + ":" + account + ":function:" + ref
	}
	if qualifier != "" && strings.Count(arn, ":") == 6 {
		arn += ":" + qualifier
	}
	return arn
}
