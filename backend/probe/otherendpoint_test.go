package probe

import (
	"net"
	"net/url"
	"strconv"
	"testing"
)

func listen(t *testing.T, addr string) int {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func TestOtherEndpointIsFree(t *testing.T) {
	busy := listen(t, "127.0.0.1:0")
	endpoint := "http://127.0.0.1:" + strconv.Itoa(busy)
	got, err := url.Parse(OtherEndpoint(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(got.Port())
	if port == busy || port == 0 || got.Hostname() != "127.0.0.1" || got.Scheme != "http" {
		t.Fatalf("OtherEndpoint(%s) = %s", endpoint, got)
	}
	if !portFree("127.0.0.1", port) || !portFree("127.0.0.1", port+1) {
		t.Fatalf("suggested port %d, or the public port after it, is not free", port)
	}

	// When the ports two up are taken too, another free pair is suggested.
	for _, p := range []int{busy + 2, busy + 3} {
		if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			t.Cleanup(func() { ln.Close() }) // else someone else holds it: busy as well
		}
	}
	got, _ = url.Parse(OtherEndpoint(endpoint))
	port, _ = strconv.Atoi(got.Port())
	if port == busy || port == busy+2 || port == busy+3 || !portFree("127.0.0.1", port) || !portFree("127.0.0.1", port+1) {
		t.Fatalf("with %d, %d and %d busy, OtherEndpoint suggested %s", busy, busy+2, busy+3, got)
	}
}
