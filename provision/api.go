package provision

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/apidriven/api-driven/internal/status"
)

// apiResource is one resource of the REST API and the methods it proxies
// to the function.
type apiResource struct {
	pathPart string // "" for the root resource
	methods  []string
}

// apiResources are /start, /stop and /status with GET and POST, plus ANY on
// them, on the root and on a {proxy+} catch-all: every request reaches the
// function, which answers 405 with Allow for other methods and a JSON 404
// naming the routes for unknown paths, instead of API Gateway's bare 403
// "Missing Authentication Token".
func apiResources() []apiResource {
	out := []apiResource{{pathPart: "", methods: []string{"ANY"}}}
	for _, route := range Routes {
		out = append(out, apiResource{pathPart: route, methods: []string{"GET", "POST", "ANY"}})
	}
	return append(out, apiResource{pathPart: "{proxy+}", methods: []string{"ANY"}})
}

// integrationURI is the AWS_PROXY target for a function.
func integrationURI(partition, region, functionARN string) string {
	return fmt.Sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", partition, region, functionARN)
}

// findAPIs lists the REST APIs called name, oldest first.
func findAPIs(ctx context.Context, c Clients, cfg Config) ([]apitypes.RestApi, error) {
	p := apigateway.NewGetRestApisPaginator(c.APIGateway, &apigateway.GetRestApisInput{Limit: aws.Int32(500)})
	var found []apitypes.RestApi
	for p.HasMorePages() {
		page, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*apigateway.GetRestApisOutput, error) {
			return p.NextPage(ctx)
		})
		if err != nil {
			return nil, fail(err, "list rest apis")
		}
		for _, api := range page.Items {
			if aws.ToString(api.Name) == cfg.APIName {
				found = append(found, api)
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		return aws.ToTime(found[i].CreatedDate).Before(aws.ToTime(found[j].CreatedDate))
	})
	return found, nil
}

// ensureAPI finds or creates the REST API, its three resources with GET
// and POST proxied to the function, lets API Gateway invoke the function,
// and deploys the stage. It returns the API id.
func ensureAPI(ctx context.Context, c Clients, cfg Config, id identity, functionARN string, st *status.Status) (string, error) {
	step := st.Start("rest api " + cfg.APIName)
	apiID, detail, err := ensureAPIResources(ctx, c, cfg, id, functionARN, st)
	if err != nil {
		return "", step.Fail(err)
	}
	step.Done(apiID + " " + detail)

	sourceARN := fmt.Sprintf("arn:%s:execute-api:%s:%s:%s/*/*/*", id.Partition, cfg.Region, id.Account, apiID)
	step = st.Start("lambda permission for apigateway.amazonaws.com")
	detail, err = ensurePermission(ctx, c, cfg, sourceARN)
	if err != nil {
		return "", step.Fail(err)
	}
	step.Done(detail)

	step = st.Start("api deployment")
	_, err = withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*apigateway.CreateDeploymentOutput, error) {
		return c.APIGateway.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{
			RestApiId: &apiID, StageName: &cfg.Stage, Description: aws.String("api-driven deploy"),
		})
	})
	if err != nil {
		return "", step.Fail(fail(err, "deploy rest api %s to stage %s", apiID, cfg.Stage))
	}
	step.Done("to stage " + cfg.Stage)
	return apiID, nil
}

func ensureAPIResources(ctx context.Context, c Clients, cfg Config, id identity, functionARN string, st *status.Status) (string, string, error) {
	to := cfg.Timeouts
	apis, err := findAPIs(ctx, c, cfg)
	if err != nil {
		return "", "", err
	}
	var apiID string
	detail := "ready"
	if len(apis) > 0 {
		apiID = aws.ToString(apis[0].Id)
		for _, extra := range apis[1:] {
			st.Infof("another rest api is also named %s: %s, left alone (go tool mage clean removes all of them)", cfg.APIName, aws.ToString(extra.Id))
		}
	} else {
		out, err := withRetry(ctx, to, nil, func(ctx context.Context) (*apigateway.CreateRestApiOutput, error) {
			return c.APIGateway.CreateRestApi(ctx, &apigateway.CreateRestApiInput{
				Name:                  &cfg.APIName,
				Description:           aws.String("api-driven: /start /stop /status of the project's EC2 instance"),
				EndpointConfiguration: &apitypes.EndpointConfiguration{Types: []apitypes.EndpointType{apitypes.EndpointTypeRegional}},
				Tags:                  map[string]string{cfg.TagKey: cfg.TagValue},
			})
		})
		if err != nil {
			return "", "", fail(err, "create rest api %s", cfg.APIName)
		}
		apiID, detail = aws.ToString(out.Id), "created"
	}

	paths, err := resourcePaths(ctx, c, cfg, apiID)
	if err != nil {
		return "", "", err
	}
	rootID, ok := paths["/"]
	if !ok {
		return "", "", fmt.Errorf("failed to read rest api %s: it has no root resource", apiID)
	}
	uri := integrationURI(id.Partition, cfg.Region, functionARN)
	for _, res := range apiResources() {
		route := res.pathPart
		resID, ok := paths["/"+route]
		if !ok {
			out, err := withRetry(ctx, to, nil, func(ctx context.Context) (*apigateway.CreateResourceOutput, error) {
				return c.APIGateway.CreateResource(ctx, &apigateway.CreateResourceInput{
					RestApiId: &apiID, ParentId: &rootID, PathPart: aws.String(route),
				})
			})
			if err != nil {
				return "", "", fail(err, "create resource /%s in rest api %s", route, apiID)
			}
			resID = aws.ToString(out.Id)
		}
		for _, method := range res.methods {
			if err := ensureMethod(ctx, c, cfg, apiID, resID, route, method, uri); err != nil {
				return "", "", err
			}
		}
	}
	return apiID, detail, nil
}

// resourcePaths maps each resource path of the API to its id.
func resourcePaths(ctx context.Context, c Clients, cfg Config, apiID string) (map[string]string, error) {
	p := apigateway.NewGetResourcesPaginator(c.APIGateway, &apigateway.GetResourcesInput{RestApiId: &apiID, Limit: aws.Int32(500)})
	paths := map[string]string{}
	for p.HasMorePages() {
		page, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*apigateway.GetResourcesOutput, error) {
			return p.NextPage(ctx)
		})
		if err != nil {
			return nil, fail(err, "list resources of rest api %s", apiID)
		}
		for _, r := range page.Items {
			paths[aws.ToString(r.Path)] = aws.ToString(r.Id)
		}
	}
	return paths, nil
}

// apiKeyRequired is whether callers must send an API key (x-api-key) on
// every method. The project's URLs are open; exercise 3 of the README
// turns this on.
const apiKeyRequired = false

// ensureMethod makes method on the resource exist without authorisation,
// with apiKeyRequired, and proxy to uri.
func ensureMethod(ctx context.Context, c Clients, cfg Config, apiID, resID, route, method, uri string) error {
	to := cfg.Timeouts
	got, err := withRetry(ctx, to, nil, func(ctx context.Context) (*apigateway.GetMethodOutput, error) {
		return c.APIGateway.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &apiID, ResourceId: &resID, HttpMethod: &method})
	})
	switch {
	case hasCode(err, "NotFoundException"):
		_, err := withRetry(ctx, to, nil, func(ctx context.Context) (*apigateway.PutMethodOutput, error) {
			return c.APIGateway.PutMethod(ctx, &apigateway.PutMethodInput{
				RestApiId: &apiID, ResourceId: &resID, HttpMethod: &method, AuthorizationType: aws.String("NONE"),
				ApiKeyRequired: apiKeyRequired,
			})
		})
		if err != nil {
			return fail(err, "create method %s /%s in rest api %s", method, route, apiID)
		}
	case err != nil:
		return fail(err, "get method %s /%s in rest api %s", method, route, apiID)
	default:
		if err := convergeMethod(ctx, c, cfg, apiID, resID, route, method, got); err != nil {
			return err
		}
		if in := got.MethodIntegration; in != nil && in.Type == apitypes.IntegrationTypeAwsProxy &&
			aws.ToString(in.Uri) == uri && aws.ToString(in.HttpMethod) == "POST" {
			return nil
		}
	}
	_, err = withRetry(ctx, to, nil, func(ctx context.Context) (*apigateway.PutIntegrationOutput, error) {
		return c.APIGateway.PutIntegration(ctx, &apigateway.PutIntegrationInput{
			RestApiId: &apiID, ResourceId: &resID, HttpMethod: &method,
			Type:                  apitypes.IntegrationTypeAwsProxy,
			IntegrationHttpMethod: aws.String("POST"), // Lambda is always invoked with POST
			Uri:                   &uri,
		})
	})
	if err != nil {
		return fail(err, "integrate %s /%s of rest api %s with the function", method, route, apiID)
	}
	return nil
}

// convergeMethod puts an existing method's authorization and API key
// setting back to what the project wants (someone changed it, or the
// code did).
func convergeMethod(ctx context.Context, c Clients, cfg Config, apiID, resID, route, method string, got *apigateway.GetMethodOutput) error {
	var ops []apitypes.PatchOperation
	if aws.ToString(got.AuthorizationType) != "NONE" {
		ops = append(ops, apitypes.PatchOperation{Op: apitypes.OpReplace, Path: aws.String("/authorizationType"), Value: aws.String("NONE")})
	}
	if aws.ToBool(got.ApiKeyRequired) != apiKeyRequired {
		ops = append(ops, apitypes.PatchOperation{Op: apitypes.OpReplace, Path: aws.String("/apiKeyRequired"), Value: aws.String(strconv.FormatBool(apiKeyRequired))})
	}
	if len(ops) == 0 {
		return nil
	}
	_, err := withRetry(ctx, cfg.Timeouts, nil, func(ctx context.Context) (*apigateway.UpdateMethodOutput, error) {
		return c.APIGateway.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: &apiID, ResourceId: &resID, HttpMethod: &method, PatchOperations: ops})
	})
	if err != nil {
		return fail(err, "update method %s /%s in rest api %s", method, route, apiID)
	}
	return nil
}
