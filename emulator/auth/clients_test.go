package auth_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apidriven/api-driven/emulator/auth"
)

// Real third-party signers: the aws CLI and boto3 (botocore) sign their
// own way (path quoting, header set, presigned query) and must verify.

func clientEnv(c auth.Credential) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey, "AWS_SESSION_TOKEN=" + c.SessionToken,
		"AWS_DEFAULT_REGION=eu-west-3", "AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
}

func TestThirdPartySignersVerify(t *testing.T) {
	reg := auth.NewRegistry()
	sess, err := reg.IssueRoleSession("arn:aws:iam::000000000000:role/r", "AROAEXAMPLE", "fn", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, verdicts := verifyServer(t, auth.NewVerifier(reg).VerifyRequest)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const boto = `
import sys, urllib.request, boto3
url = sys.argv[1]
sts = boto3.client("sts", endpoint_url=url)
presigned = sts.generate_presigned_url("get_caller_identity", ExpiresIn=120)
try:
    # botocore signs it with the operation's method, POST
    urllib.request.urlopen(urllib.request.Request(presigned, method="POST"), timeout=30).read()
except Exception as e:
    print("presigned:", e)
apigw = boto3.client("apigateway", endpoint_url=url)
try:
    apigw.get_rest_apis(limit=25, position="a b/c")
except Exception as e:
    print("get_rest_apis:", e)
`
	type client struct {
		name string
		skip func() bool
		cmd  []string
		want int // verdicts expected
	}
	noCLI := func() bool { _, err := exec.LookPath("aws"); return err != nil }
	noBoto := func() bool { return exec.Command("python3", "-c", "import boto3").Run() != nil }
	clients := []client{
		{"aws CLI sts get-caller-identity (form POST)", noCLI, []string{"aws", "--endpoint-url", srv.URL, "sts", "get-caller-identity"}, 1},
		{"aws CLI lambda get-function by ARN (escaped path)", noCLI, []string{"aws", "--endpoint-url", srv.URL, "lambda", "get-function", "--function-name", "arn:aws:lambda:eu-west-3:000000000000:function:fn", "--qualifier", "$LATEST"}, 1},
		{"boto3 presigned URL and GET with query", noBoto, []string{"python3", "-c", boto, srv.URL}, 2},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			if c.skip() {
				t.Skipf("%s is not installed", c.cmd[0])
			}
			cmd := exec.CommandContext(ctx, c.cmd[0], c.cmd[1:]...)
			cmd.Env = clientEnv(sess)
			out, _ := cmd.CombinedOutput() // the fake answers make the clients complain; the verdicts count
			for i := 0; i < c.want; i++ {
				select {
				case v := <-verdicts:
					if v.err != nil || v.principal.ARN != "arn:aws:sts::000000000000:assumed-role/r/fn" {
						t.Fatalf("request %d of %s: %+v, %v\nclient output: %s", i+1, c.cmd[0], v.principal, v.err, out)
					}
				case <-ctx.Done():
					t.Fatalf("the client sent fewer than %d requests: %s", c.want, strings.TrimSpace(string(out)))
				}
			}
		})
	}
}
