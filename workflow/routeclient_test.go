package workflow

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The targets' calls to the URLs carry APIDRIVEN_API_KEY as x-api-key, and
// nothing when it is unset.
func TestRouteClientSendsTheAPIKey(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("x-api-key"))
	}))
	defer srv.Close()
	for _, key := range []string{"", "k3y"} {
		t.Setenv(EnvAPIKey, key)
		resp, err := routeClient().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if len(got) != 2 || got[0] != "" || got[1] != "k3y" {
		t.Fatalf("x-api-key sent = %q, want none then k3y", got)
	}
}
