package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/sethvargo/go-retry"

	"github.com/apidriven/api-driven/dockertarget"
)

// assertNothingLeft lists, like `docker ps -a` and `docker images`, the
// project's containers and images of this test.
func assertNothingLeft(t *testing.T, cli *client.Client, name, image string) {
	t.Helper()
	ctx := context.Background()
	label := dockertarget.LabelManaged + "=true"
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs.Items {
		for _, n := range c.Names {
			if strings.TrimPrefix(n, "/") == name {
				t.Errorf("container %s (%s) left after clean", name, c.State)
			}
		}
	}
	imgs, err := cli.ImageList(ctx, client.ImageListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs.Items {
		for _, tag := range img.RepoTags {
			if tag == image {
				t.Errorf("image %s left after clean", image)
			}
		}
	}
}

func portAnswers(t *testing.T, u string) {
	t.Helper()
	pollPort(t, "GET "+u+" answers 200", func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return retry.RetryableError(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return retry.RetryableError(fmt.Errorf("HTTP %d", resp.StatusCode))
		}
		return nil
	})
}

func portRefuses(t *testing.T, u string) {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pollPort(t, parsed.Host+" refuses connections", func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", parsed.Host)
		if err == nil {
			conn.Close()
			return retry.RetryableError(errors.New("still accepts connections"))
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return retry.RetryableError(err)
		}
		return nil
	})
}

func pollPort(t *testing.T, what string, fn func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := retry.Do(ctx, retry.WithCappedDuration(time.Second, retry.NewExponential(50*time.Millisecond)), func(ctx context.Context) error {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		defer acancel()
		return fn(actx)
	})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
