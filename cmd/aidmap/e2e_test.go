package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the aidmap binary built once for the end-to-end tests of this package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aidmap-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "aidmap")
	build := exec.Command("go", "build", "-race", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build aidmap:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var listeningURL = regexp.MustCompile(`msg=listening url=(\S+)`)

// startServer runs `aidmap serve` on a free loopback port with a fresh data directory (unless
// args name one) and returns its base URL. The server is stopped with SIGTERM at the end of
// the test, which must make it exit cleanly.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	full := []string{"serve", "--addr", "127.0.0.1:0"}
	if !hasFlag(args, "--data-dir") {
		full = append(full, "--data-dir", t.TempDir())
	}
	full = append(full, args...)
	cmd := exec.Command(binary, full...)
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aidmap: %v", err)
	}
	var (
		logMu sync.Mutex
		logs  strings.Builder
	)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logMu.Lock()
			logs.WriteString(line + "\n")
			logMu.Unlock()
			if m := listeningURL.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				logMu.Lock()
				t.Errorf("aidmap serve did not exit cleanly on SIGTERM: %v\n%s", err, logs.String())
				logMu.Unlock()
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("aidmap serve did not stop within 30s of SIGTERM")
		}
	})
	select {
	case u := <-found:
		return u
	case err := <-exited:
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("aidmap serve exited before listening: %v\n%s", err, logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("aidmap serve did not start listening within 2 minutes")
	}
	return ""
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// cleanEnv is the environment without AIDMAP_* settings of whoever runs the tests.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AIDMAP_") {
			env = append(env, kv)
		}
	}
	return env
}

// getJSON fetches base+path and decodes the body into v; it returns the response.
func getJSON(t *testing.T, base, path string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: decode %q: %v", path, body, err)
		}
	}
	return resp
}

type siteJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Categories   []string `json:"categories"`
	Lat          float64  `json:"lat"`
	Lon          float64  `json:"lon"`
	DistanceM    *float64 `json:"distance_m"`
	Demo         bool     `json:"demo"`
	Confidential bool     `json:"confidential"`
	Organization struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"organization"`
}

type listJSON struct {
	Sites []siteJSON `json:"sites"`
	Count int        `json:"count"`
	Next  string     `json:"next"`
}

type problemJSON struct {
	Title         string `json:"title"`
	Status        int    `json:"status"`
	Detail        string `json:"detail"`
	InvalidParams []struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	} `json:"invalid_params"`
}

type infoJSON struct {
	Demo   bool      `json:"demo"`
	Sites  int       `json:"sites"`
	Bounds []float64 `json:"bounds"`
}

func TestServeDemoAPI(t *testing.T) {
	base := startServer(t)

	var info infoJSON
	getJSON(t, base, "/api/v1/info", &info)
	if !info.Demo || info.Sites != 300 || len(info.Bounds) != 4 {
		t.Fatalf("info: got demo=%v sites=%d bounds=%v, want demo=true sites=300 and bounds", info.Demo, info.Sites, info.Bounds)
	}

	t.Run("nearest is ascending and labelled demo", func(t *testing.T) {
		var got listJSON
		resp := getJSON(t, base, "/api/v1/sites/nearest?lat=49.2827&lon=-123.1207&limit=10", &got)
		if resp.StatusCode != 200 || got.Count != 10 || len(got.Sites) != 10 {
			t.Fatalf("got status %d count %d, want 200 and 10 sites", resp.StatusCode, got.Count)
		}
		last := -1.0
		for i, s := range got.Sites {
			if s.DistanceM == nil {
				t.Fatalf("site %d has no distance_m", i)
			}
			if *s.DistanceM < last {
				t.Errorf("site %d distance %v < previous %v", i, *s.DistanceM, last)
			}
			if !s.Confidential { // a confidential site's distance is a band, at least the true one
				last = *s.DistanceM
			}
			if !s.Demo || !strings.HasPrefix(s.Name, "Demo: ") {
				t.Errorf("site %q: want demo=true and a name starting with \"Demo: \"", s.Name)
			}
		}
	})

	t.Run("category filter", func(t *testing.T) {
		var got listJSON
		getJSON(t, base, "/api/v1/sites/nearest?lat=49.2827&lon=-123.1207&limit=20&category=shelter,clinic", &got)
		if len(got.Sites) == 0 {
			t.Fatal("got no shelters or clinics in the demo data")
		}
		for _, s := range got.Sites {
			if !contains(s.Categories, "shelter") && !contains(s.Categories, "clinic") {
				t.Errorf("site %q has categories %v, want shelter or clinic", s.Name, s.Categories)
			}
		}
	})

	t.Run("radius walks every page in distance order", func(t *testing.T) {
		seen := map[string]bool{}
		last := -1.0
		next := "/api/v1/sites?lat=49.2827&lon=-123.1207&radius_m=5000&limit=7"
		pages := 0
		for next != "" {
			var page listJSON
			getJSON(t, base, next, &page)
			pages++
			for _, s := range page.Sites {
				if seen[s.ID] {
					t.Fatalf("site %s returned twice", s.ID)
				}
				seen[s.ID] = true
				if s.Confidential {
					// Only a band ("within 5 km") is published for a confidential site: its
					// place in the order is by the true distance to its area point.
					if *s.DistanceM < last {
						t.Fatalf("confidential site's band %v is below the distance before it (%v)", *s.DistanceM, last)
					}
					continue
				}
				if *s.DistanceM < last || *s.DistanceM > 5000*1.0001 {
					t.Fatalf("distance %v after %v, radius 5000", *s.DistanceM, last)
				}
				last = *s.DistanceM
			}
			next = page.Next
		}
		if pages < 2 || len(seen) < 8 {
			t.Fatalf("got %d sites in %d pages, want several pages", len(seen), pages)
		}
	})

	t.Run("bbox pages cover every site", func(t *testing.T) {
		b := info.Bounds
		next := fmt.Sprintf("/api/v1/sites?bbox=%v,%v,%v,%v&limit=45", b[0], b[1], b[2], b[3])
		seen := map[string]bool{}
		for next != "" {
			var page listJSON
			getJSON(t, base, next, &page)
			for _, s := range page.Sites {
				if seen[s.ID] {
					t.Fatalf("site %s returned twice", s.ID)
				}
				seen[s.ID] = true
			}
			next = page.Next
		}
		if len(seen) != info.Sites {
			t.Fatalf("walked %d sites, want %d", len(seen), info.Sites)
		}
	})

	t.Run("geojson", func(t *testing.T) {
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Type     string `json:"type"`
				ID       string `json:"id"`
				Geometry struct {
					Type        string    `json:"type"`
					Coordinates []float64 `json:"coordinates"`
				} `json:"geometry"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		resp := getJSON(t, base, "/api/v1/sites/nearest?lat=49.2827&lon=-123.1207&limit=5&format=geojson", &fc)
		if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
			t.Errorf("content type: got %q, want application/geo+json", ct)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) != 5 {
			t.Fatalf("got type %q with %d features, want FeatureCollection with 5", fc.Type, len(fc.Features))
		}
		for _, f := range fc.Features {
			c := f.Geometry.Coordinates
			if f.Type != "Feature" || f.Geometry.Type != "Point" || len(c) != 2 {
				t.Fatalf("bad feature %+v", f)
			}
			// RFC 7946: longitude first. Vancouver is at about -123, 49.
			if math.Abs(c[0]+123) > 2 || math.Abs(c[1]-49.2) > 1 {
				t.Errorf("coordinates %v are not lon,lat around Vancouver", c)
			}
			if f.Properties["name"] == nil || f.ID == "" {
				t.Errorf("feature without id or name: %+v", f)
			}
		}
	})

	t.Run("site by id and categories", func(t *testing.T) {
		var list listJSON
		getJSON(t, base, "/api/v1/sites/nearest?lat=49.28&lon=-123.1&limit=1", &list)
		var s siteJSON
		resp := getJSON(t, base, "/api/v1/sites/"+list.Sites[0].ID, &s)
		if resp.StatusCode != 200 || s.ID != list.Sites[0].ID || s.Organization.Name == "" {
			t.Fatalf("got %d %+v, want the site with its organisation", resp.StatusCode, s)
		}
		var cats struct {
			Categories []struct{ Slug, Label string } `json:"categories"`
		}
		getJSON(t, base, "/api/v1/categories", &cats)
		if len(cats.Categories) != 15 || cats.Categories[0].Slug != "food_bank" || cats.Categories[0].Label == "" {
			t.Fatalf("categories: got %+v", cats.Categories)
		}
	})

	t.Run("bad input is a problem naming the parameter", func(t *testing.T) {
		for _, tc := range []struct {
			path, param string
			status      int
		}{
			{"/api/v1/sites/nearest?lat=91&lon=0", "lat", 400},
			{"/api/v1/sites/nearest?lat=10&lon=abc", "lon", 400},
			{"/api/v1/sites/nearest?lon=10", "lat", 400},
			{"/api/v1/sites/nearest?lat=1&lon=1&limit=0", "limit", 400},
			{"/api/v1/sites/nearest?lat=1&lon=1&limit=1001", "limit", 400},
			{"/api/v1/sites/nearest?lat=1&lon=1&category=pizza", "category", 400},
			{"/api/v1/sites?lat=1&lon=1&radius_m=-5", "radius_m", 400},
			{"/api/v1/sites?lat=1&lon=1&radius_m=100000000", "radius_m", 400},
			{"/api/v1/sites?bbox=1,2,3", "bbox", 400},
			{"/api/v1/sites?bbox=a,2,3,4", "bbox", 400},
			{"/api/v1/sites?bbox=0,10,1,5", "bbox", 400},
			{"/api/v1/sites?bbox=0,0,1,1&cursor=zz!", "cursor", 400},
			{"/api/v1/sites?bbox=0,0,1,1&format=kml", "format", 400},
			{"/api/v1/sites", "bbox", 400},
		} {
			t.Run(tc.path, func(t *testing.T) {
				var p problemJSON
				resp := getJSON(t, base, tc.path, &p)
				if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("got %d %q, want %d application/problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
				}
				if len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != tc.param || p.InvalidParams[0].Reason == "" {
					t.Fatalf("invalid_params: got %+v, want %s with a reason", p.InvalidParams, tc.param)
				}
				if !strings.Contains(p.Detail, tc.param) {
					t.Errorf("detail %q does not name %s", p.Detail, tc.param)
				}
			})
		}
		var p problemJSON
		resp := getJSON(t, base, "/api/v1/sites/00000000-0000-0000-0000-000000000000", &p)
		if resp.StatusCode != 404 || p.Status != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("unknown id: got %d %+v, want 404 problem JSON", resp.StatusCode, p)
		}
	})

	t.Run("health, readiness and metrics", func(t *testing.T) {
		if resp := getJSON(t, base, "/healthz", nil); resp.StatusCode != 200 {
			t.Errorf("healthz: got %d, want 200", resp.StatusCode)
		}
		var ready map[string]any
		if resp := getJSON(t, base, "/readyz", &ready); resp.StatusCode != 200 || ready["status"] != "ready" {
			t.Errorf("readyz: got %d %v, want 200 ready", resp.StatusCode, ready)
		}
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{
			`aidmap_http_requests_total{code="200",method="GET",route="/api/v1/sites/nearest"}`,
			`aidmap_http_request_duration_seconds_bucket{route="/api/v1/sites/nearest"`,
			"aidmap_index_sites 300",
			"aidmap_index_version ",
			"aidmap_store_errors_total 0",
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	})

	t.Run("the page and its vendored map library", func(t *testing.T) {
		for _, p := range []string{"/", "/static/app.js", "/static/vendor/maplibre-gl/maplibre-gl-csp.js"} {
			resp, err := http.Get(base + p)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(body) == 0 {
				t.Errorf("GET %s: got %d with %d bytes, want 200", p, resp.StatusCode, len(body))
			}
		}
	})
}

func TestServeEmptyAndRestart(t *testing.T) {
	dir := t.TempDir()
	t.Run("demo=false starts empty", func(t *testing.T) {
		base := startServer(t, "--demo=false", "--data-dir", filepath.Join(dir, "empty"))
		var info infoJSON
		getJSON(t, base, "/api/v1/info", &info)
		if info.Demo || info.Sites != 0 || info.Bounds != nil {
			t.Fatalf("got %+v, want an empty, non-demo dataset", info)
		}
		var got listJSON
		getJSON(t, base, "/api/v1/sites/nearest?lat=0&lon=0", &got)
		if got.Count != 0 || got.Sites == nil {
			t.Fatalf("got %+v, want an empty list", got)
		}
	})
	t.Run("data survives a restart without reseeding", func(t *testing.T) {
		data := filepath.Join(dir, "kept")
		var first, second infoJSON
		func() {
			t.Run("first", func(t *testing.T) {
				getJSON(t, startServer(t, "--data-dir", data, "--demo-sites", "50"), "/api/v1/info", &first)
			})
		}()
		getJSON(t, startServer(t, "--data-dir", data, "--demo-sites", "80"), "/api/v1/info", &second)
		if first.Sites != 50 || second.Sites != 50 {
			t.Fatalf("got %d then %d sites, want 50 both times", first.Sites, second.Sites)
		}
	})
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		env      []string
		wantCode int
		want     []string
	}{
		{"version", []string{"version"}, nil, 0, []string{"aidmap "}},
		{"help", []string{"help"}, nil, 0, []string{"serve", "migrate", "version"}},
		{"serve help lists flags and env", []string{"serve", "-h"}, nil, 0, []string{
			"--addr", `":8080"`, "AIDMAP_ADDR", "--data-dir", "AIDMAP_DATA_DIR", "--demo", "AIDMAP_DEMO", "AIDMAP_LOG_LEVEL"}},
		{"help serve", []string{"help", "serve"}, nil, 0, []string{"AIDMAP_ADDR"}},
		{"unknown command", []string{"frobnicate"}, nil, 2, []string{`unknown command "frobnicate"`}},
		{"bad env", []string{"serve"}, []string{"AIDMAP_DEMO=maybe"}, 1, []string{"AIDMAP_DEMO"}},
		{"bad log level", []string{"serve", "--log-level", "loud"}, nil, 1, []string{"--log-level"}},
		{"request log share above 1", []string{"serve", "--log-requests", "2"}, nil, 1, []string{"--log-requests"}},
		{"profiler without a private address", []string{"serve", "--pprof"}, nil, 1, []string{"--pprof needs --metrics-addr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary, tc.args...)
			cmd.Env = append(cleanEnv(), tc.env...)
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != tc.wantCode {
				t.Errorf("exit code: got %d, want %d\n%s", code, tc.wantCode, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var _ = url.QueryEscape

// TestExportImport moves a store to another one through a dump file, as a user moving from
// one store to another would, and serves the result.
func TestExportImport(t *testing.T) {
	dir := t.TempDir()
	from, to, dump := filepath.Join(dir, "from"), filepath.Join(dir, "to"), filepath.Join(dir, "dump.ndjson")
	var before infoJSON
	getJSON(t, startServer(t, "--data-dir", from, "--demo-sites", "120"), "/api/v1/info", &before)

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, args...)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aidmap %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run("export", "--data-dir", from, "--out", dump); !strings.Contains(out, "1 organisations and 120 sites") {
		t.Fatalf("export said %q", out)
	}
	if fi, err := os.Stat(dump); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("dump file: %v, mode %v; want 0600 (it holds confidential locations)", err, fi.Mode())
	}
	if out := run("import", dump, "--data-dir", to); !strings.Contains(out, "120 sites") {
		t.Fatalf("import said %q", out)
	}
	run("import", "--data-dir", to, dump) // again: changes nothing

	base := startServer(t, "--data-dir", to, "--demo=false")
	var after infoJSON
	getJSON(t, base, "/api/v1/info", &after)
	if after.Sites != before.Sites || !after.Demo {
		t.Fatalf("after import: got %+v, want %d demo sites", after, before.Sites)
	}
}

func jsonDecode(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}
