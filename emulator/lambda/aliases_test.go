package lambda_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/apidriven/api-driven/emulator/emulatortest"
)

// publishN creates name and publishes n versions, each with its own timeout.
func publishN(t *testing.T, e *env, name string, n int) {
	t.Helper()
	ctx := emulatortest.Context(t)
	e.create(t, name, shellZip(t, name))
	for i := range n {
		if _, err := e.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name), Timeout: aws.Int32(int32(10 + i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAliasLifecycle(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	publishN(t, e, "aliased", 3)
	created, err := e.client.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String("aliased"), Name: aws.String("live"), FunctionVersion: aws.String("1"), Description: aws.String("production"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.25}},
	})
	if err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	if aws.ToString(created.AliasArn) != arnPrefix+"aliased:live" || aws.ToString(created.FunctionVersion) != "1" ||
		created.RoutingConfig == nil || created.RoutingConfig.AdditionalVersionWeights["2"] != 0.25 || aws.ToString(created.RevisionId) == "" {
		t.Fatalf("CreateAlias = %+v", created)
	}
	got, err := e.client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live")})
	if err != nil || aws.ToString(got.Description) != "production" || aws.ToString(got.RevisionId) != aws.ToString(created.RevisionId) {
		t.Fatalf("GetAlias = %+v, %v", got, err)
	}
	// GetFunction through the alias shows its version under the alias ARN.
	fn, err := e.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("aliased"), Qualifier: aws.String("live")})
	if err != nil || aws.ToString(fn.FunctionArn) != arnPrefix+"aliased:live" || aws.ToString(fn.Version) != "1" || aws.ToInt32(fn.Timeout) != 10 {
		t.Fatalf("GetFunctionConfiguration of the alias = %+v, %v; want version 1 under the alias ARN", fn, err)
	}

	// UpdateAlias: a new version, routing cleared by an empty map.
	upd, err := e.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("aliased"), Name: aws.String("live"), FunctionVersion: aws.String("3"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}}, RevisionId: created.RevisionId,
	})
	if err != nil {
		t.Fatalf("UpdateAlias: %v", err)
	}
	if aws.ToString(upd.FunctionVersion) != "3" || upd.RoutingConfig != nil || aws.ToString(upd.Description) != "production" || aws.ToString(upd.RevisionId) == aws.ToString(created.RevisionId) {
		t.Fatalf("UpdateAlias = %+v", upd)
	}
	_, err = e.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live"), Description: aws.String("x"), RevisionId: created.RevisionId})
	wantAPIError(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id")

	if _, err := e.client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live")}); err != nil {
		t.Fatalf("DeleteAlias: %v", err)
	}
	_, err = e.client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Cannot find alias arn: "+arnPrefix+"aliased:live")
	// Deleting an alias that is gone succeeds, as on AWS.
	if _, err := e.client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live")}); err != nil {
		t.Fatalf("DeleteAlias again: %v", err)
	}
}

func TestAliasErrors(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	publishN(t, e, "guarded", 2)
	if _, err := e.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("guarded"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	weights := func(w map[string]float64) *types.AliasRoutingConfiguration {
		return &types.AliasRoutingConfiguration{AdditionalVersionWeights: w}
	}
	tests := []struct {
		name          string
		alias, target string
		routing       *types.AliasRoutingConfiguration
		code          string
		status        int
		msg           string
	}{
		{"exists", "live", "1", nil, "ResourceConflictException", 409, "Alias already exists: " + arnPrefix + "guarded:live"},
		{"all digits", "42", "1", nil, "ValidationException", 400, "Value '42' at 'name' failed to satisfy constraint"},
		{"bad version", "beta", "one", nil, "ValidationException", 400, "Value 'one' at 'functionVersion' failed to satisfy constraint"},
		{"unknown version", "beta", "9", nil, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "guarded:9"},
		{"weight too big", "beta", "1", weights(map[string]float64{"2": 1.5}), "ValidationException", 400, "at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint"},
		{"two weights", "beta", "1", weights(map[string]float64{"2": 0.1, "3": 0.1}), "InvalidParameterValueException", 400, "Number of items in AdditionalVersionWeights cannot be greater than 1"},
		{"weight on itself", "beta", "1", weights(map[string]float64{"1": 0.5}), "InvalidParameterValueException", 400, "Function version 1 is already included in routing configuration."},
		{"weights on latest", "beta", "$LATEST", weights(map[string]float64{"1": 0.5}), "InvalidParameterValueException", 400, "$LATEST is not supported for an alias pointing to more than 1 version"},
		{"weight on unknown", "beta", "1", weights(map[string]float64{"7": 0.5}), "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "guarded:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.CreateAlias(emulatortest.Context(t), &lambda.CreateAliasInput{
				FunctionName: aws.String("guarded"), Name: aws.String(tt.alias), FunctionVersion: aws.String(tt.target), RoutingConfig: tt.routing,
			})
			wantAPIError(t, err, tt.code, tt.status, tt.msg)
		})
	}
	_, err := e.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("guarded"), Name: aws.String("nope"), FunctionVersion: aws.String("1")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Alias not found: "+arnPrefix+"guarded:nope")
	_, err = e.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("guarded:nope")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+"guarded:nope")
	_, err = e.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("missing"), Name: aws.String("live"), FunctionVersion: aws.String("1")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+"missing")
}

// TestListAliases pages through aliases in name order and filters by version.
func TestListAliases(t *testing.T) {
	e := start(t)
	ctx := emulatortest.Context(t)
	publishN(t, e, "listed", 2)
	targets := map[string]string{"prod": "2", "beta": "1", "dev": "$LATEST", "canary": "2"}
	for _, name := range slices.Sorted(maps.Keys(targets)) {
		if _, err := e.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("listed"), Name: aws.String(name), FunctionVersion: aws.String(targets[name])}); err != nil {
			t.Fatalf("CreateAlias %s: %v", name, err)
		}
	}
	var names []string
	pages := 0
	p := lambda.NewListAliasesPaginator(e.client, &lambda.ListAliasesInput{FunctionName: aws.String("listed"), MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAliases: %v", err)
		}
		pages++
		for _, a := range out.Aliases {
			names = append(names, aws.ToString(a.Name))
		}
	}
	if want := []string{"beta", "canary", "dev", "prod"}; !slices.Equal(names, want) || pages != 2 {
		t.Errorf("aliases %v in %d pages, want %v in 2", names, pages, want)
	}
	out, err := e.client.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("listed"), FunctionVersion: aws.String("2")})
	if err != nil || len(out.Aliases) != 2 || aws.ToString(out.Aliases[0].Name) != "canary" || aws.ToString(out.Aliases[1].Name) != "prod" {
		t.Fatalf("ListAliases for version 2 = %+v, %v; want canary and prod", out, err)
	}
}
