package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geocode"
)

func TestGeocodeEndpoint(t *testing.T) {
	var b geocode.Builder
	b.Add(aidmap.AddressPoint{Lat: 49.2590, Lon: -123.0835, Number: "1080", Street: "E 12th Ave", Locality: "Vancouver", Region: "BC", Country: "CA"})
	var logs bytes.Buffer
	src := snapshot{ix: publicIndex(demo.Sites(10, 1), 1), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test",
		Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Geocoder: geocode.NewGeocoder(geocode.NewEmbedded(b.Build()), nil, nil, nil)}).Handler())
	t.Cleanup(srv.Close)

	tests := []struct {
		name, query string
		status      int
		precision   string // of the first result; "" for none
		param       string // the parameter a 400 names
	}{
		{"address", "q=" + url.QueryEscape("1080 East 12th Avenue, Vancouver"), 200, "address", ""},
		{"town", "q=Vancouver", 200, "locality", ""},
		{"nothing", "q=" + url.QueryEscape("Qqqq Zzzz"), 200, "", ""},
		{"missing q", "", 400, "", "q"},
		{"blank q", "q=%20%20", 400, "", "q"},
		{"too long", "q=" + strings.Repeat("a", 201), 400, "", "q"},
		{"bad limit", "q=Vancouver&limit=0", 400, "", "limit"},
		{"limit too big", "q=Vancouver&limit=21", 400, "", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/api/v1/geocode?"+tt.query)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				var p problem
				if err := json.Unmarshal(body, &p); err != nil || len(p.InvalidParams) == 0 || p.InvalidParams[0].Name != tt.param {
					t.Errorf("problem %s: want invalid_params naming %q", body, tt.param)
				}
				return
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
				t.Errorf("Cache-Control %q, want private", cc)
			}
			var out struct {
				Results []struct {
					Precision   string `json:"precision"`
					Approximate bool   `json:"approximate"`
					Label       string `json:"label"`
				} `json:"results"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.precision == "" && len(out.Results) != 0:
				t.Errorf("results %+v, want none", out.Results)
			case tt.precision != "" && (len(out.Results) == 0 || out.Results[0].Precision != tt.precision):
				t.Errorf("results %+v, want %s first", out.Results, tt.precision)
			case tt.precision != "" && out.Results[0].Approximate != (tt.precision != "address"):
				t.Errorf("approximate = %v for %s", out.Results[0].Approximate, tt.precision)
			}
		})
	}
	// What people search for says where they are: it never reaches the logs.
	for _, secret := range []string{"1080", "12th", "Vancouver", "Qqqq"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain the query text %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "/api/v1/geocode") {
		t.Errorf("the request log should name the route:\n%s", logs.String())
	}
}

func TestGeocodeWithoutGeocoder(t *testing.T) {
	srv := newTestServer(t, nil)
	resp, body := get(t, srv.URL+"/api/v1/geocode?q=Vancouver")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503: %s", resp.StatusCode, body)
	}
}
