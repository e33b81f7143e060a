package web

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

func TestParseView(t *testing.T) {
	tests := []struct {
		in   string
		want View
		bad  bool
	}{
		{in: "49.2827,-123.1207,12", want: View{49.2827, -123.1207, 12}},
		{in: " 45.5 , -73.6 ", want: View{45.5, -73.6, 12}},
		{in: "0,0,0", want: View{0, 0, 0}},
		{in: "91,0,5", bad: true},
		{in: "0,181", bad: true},
		{in: "0,0,23", bad: true},
		{in: "49.28", bad: true},
		{in: "a,b,c", bad: true},
		{in: "1,2,3,4", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseView(tt.in)
		if tt.bad != (err != nil) || !tt.bad && got != tt.want {
			t.Errorf("ParseView(%q) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestInfoDefaultView(t *testing.T) {
	src := snapshot{ix: publicIndex(demo.Sites(5, 1), 1), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	for _, view := range []*View{nil, {Lat: 45.5, Lon: -73.6, Zoom: 11}} {
		srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, DefaultView: view}).Handler())
		_, body := get(t, srv.URL+"/api/v1/info")
		srv.Close()
		var info struct {
			View *struct{ Lat, Lon, Zoom float64 } `json:"default_view"`
		}
		if err := json.Unmarshal(body, &info); err != nil {
			t.Fatal(err)
		}
		switch {
		case view == nil && info.View != nil:
			t.Errorf("no default view configured, info has %+v", info.View)
		case view != nil && (info.View == nil || info.View.Lat != view.Lat || info.View.Lon != view.Lon || info.View.Zoom != view.Zoom):
			t.Errorf("info default_view = %+v, want %+v", info.View, view)
		}
	}
}
