package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// headParams fills a route pattern's parameters with values that exist in newAccountsEnv's
// server, so most routes answer 200 (a 404 still has to agree between GET and HEAD).
var headParams = map[string]string{
	"{org}":        "fbs",
	"{z}":          "0",
	"{x}":          "0",
	"{y}":          "0",
	"{fontstack}":  url.PathEscape("Noto Sans Regular"),
	"{range}":      "0-255",
	"{collection}": "sites",
	"*":            "app.js",
}

// headQueries are the query strings some routes need to answer 200.
var headQueries = map[string]string{
	"/api/v1/sites":         "?bbox=-180,-90,180,90",
	"/api/v1/sites/nearest": "?lat=49.28&lon=-123.12",
	"/api/v1/geocode":       "?q=Main+Street",
	"/api/v1/text":          "?q=food+V6A+2K5",
}

// TestHeadOnEveryGetRoute walks the router (as TestOpenAPIMatchesRoutes does) and checks that
// every GET route answers HEAD with GET's status and headers and no body: caches and link
// checkers ask with HEAD. Tiles are asked again with the ETag they gave (304), and every
// route is asked with and without gzip.
func TestHeadOnEveryGetRoute(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	siteID := firstSiteID(t, e)
	var routes []string
	err := chi.Walk(e.server.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			routes = append(routes, strings.ReplaceAll(route, "/*/", "/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) < 40 {
		t.Fatalf("walked only %d GET routes: %v", len(routes), routes)
	}
	ok := 0
	for _, route := range routes {
		path := route
		for k, v := range headParams {
			path = strings.ReplaceAll(path, k, v)
		}
		path = strings.ReplaceAll(path, "{id}", siteID)
		path = strings.ReplaceAll(path, "{featureId}", siteID)
		path = strings.ReplaceAll(path, "{ext}", extFor(path)) + headQueries[route]
		for _, gzip := range []bool{false, true} {
			name := route
			if gzip {
				name += " gzip"
			}
			t.Run(name, func(t *testing.T) {
				h := http.Header{"Authorization": {"Bearer " + e.secrets["fbs"]}}
				if gzip {
					h.Set("Accept-Encoding", "gzip")
				}
				get := compareHead(t, e.srv.URL+path, h)
				if get == http.StatusOK {
					ok++
				}
			})
		}
	}
	if ok < len(routes) { // at least half the requests must reach a 200, or the test checks little
		t.Errorf("only %d of %d GET requests answered 200", ok, 2*len(routes))
	}
}

// compareHead sends GET and HEAD with the same headers and fails unless HEAD has GET's status
// and headers and no body. When GET gave an ETag, it asks both again with If-None-Match.
// It returns GET's status.
func compareHead(t *testing.T, u string, h http.Header) int {
	t.Helper()
	get, _ := send(t, http.MethodGet, u, h)
	head, body := send(t, http.MethodHead, u, h)
	if head.StatusCode != get.StatusCode {
		t.Errorf("HEAD %s: got status %d, want GET's %d", u, head.StatusCode, get.StatusCode)
	}
	if len(body) != 0 {
		t.Errorf("HEAD %s: got a body of %d bytes, want none", u, len(body))
	}
	for k := range union(get.Header, head.Header) {
		switch k {
		case "Date":
			continue
		case "Content-Length":
			// A streamed GET is chunked and names no length; HEAD may name one or not.
			if get.Header.Get(k) == "" {
				continue
			}
		}
		if g, hd := get.Header.Values(k), head.Header.Values(k); !slices.Equal(g, hd) {
			t.Errorf("HEAD %s: got %s %q, want GET's %q", u, k, hd, g)
		}
	}
	if etag := get.Header.Get("ETag"); etag != "" && get.StatusCode == http.StatusOK {
		h = h.Clone()
		h.Set("If-None-Match", etag)
		get2, _ := send(t, http.MethodGet, u, h)
		head2, body2 := send(t, http.MethodHead, u, h)
		if get2.StatusCode != http.StatusNotModified || head2.StatusCode != http.StatusNotModified || len(body2) != 0 {
			t.Errorf("%s with If-None-Match: got GET %d, HEAD %d (%d bytes), want 304 for both, no body",
				u, get2.StatusCode, head2.StatusCode, len(body2))
		}
	}
	return get.StatusCode
}

func send(t *testing.T, method, u string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	// Our own Accept-Encoding (or none) reaches the server, and gzip is not undone.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func union(a, b http.Header) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// extFor names the tile extension an archive route serves.
func extFor(path string) string {
	if strings.HasPrefix(path, "/tiles/") {
		return "mvt"
	}
	return "pbf"
}

// firstSiteID returns the ID of a site the server publishes.
func firstSiteID(t *testing.T, e *accountsEnv) string {
	t.Helper()
	resp, body := send(t, http.MethodGet, e.srv.URL+"/api/v1/sites?bbox=-180,-90,180,90&limit=1", http.Header{"Accept": {"application/json"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/sites: %d %s", resp.StatusCode, body)
	}
	var out struct {
		Sites []struct {
			ID string `json:"id"`
		} `json:"sites"`
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	switch {
	case len(out.Sites) > 0:
		return out.Sites[0].ID
	case len(out.Features) > 0:
		return out.Features[0].ID
	}
	t.Fatalf("no site in %s", body)
	return ""
}
