package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(handler(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p Page
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || p.Service != "apidriven-web" || p.Path != "/hello" || p.Started != "2026-01-02T03:04:05Z" {
		t.Fatalf("GET = %d %+v", resp.StatusCode, p)
	}
	post, err := http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed || post.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST = %d Allow %q", post.StatusCode, post.Header.Get("Allow"))
	}
}
