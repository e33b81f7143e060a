package web

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/aidmap/aidmap"
)

func TestOrgSitesList(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	e.upload("fbs", "fbs", "", []byte("id,name,lat,lon,category,confidential\n"+
		"SH1,Safe House,49.2827,-123.1207,shelter,yes\n"+
		"FB1,Food Bank,49.25,-123.1,food bank,\n"+
		"FB2,Meal Hall,49.26,-123.2,free meal,\n"+
		"FB3,Pantry,49.27,-123.3,food bank,\n"))
	e.upload("other", "other", "", []byte("id,name,lat,lon,category\nO1,Other Site,49.2,-123.0,food bank\n"))
	if resp, b := e.do("DELETE", "/api/v1/orgs/fbs/sites/"+aidmap.SiteID("fbs", "FB3"), "fbs", "", nil); resp.StatusCode != 200 {
		t.Fatalf("DELETE: %d %s", resp.StatusCode, b)
	}
	var all []string
	for _, ext := range []string{"SH1", "FB1", "FB2"} {
		all = append(all, aidmap.SiteID("fbs", ext))
	}
	slices.Sort(all)
	type page struct {
		Sites []aidmap.Site
		Next  string
	}
	get := func(t *testing.T, token, query string) (int, page) {
		t.Helper()
		resp, b := e.do("GET", "/api/v1/orgs/fbs/sites"+query, token, "", nil)
		var p page
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
		return resp.StatusCode, p
	}
	ids := func(p page) []string {
		var out []string
		for _, s := range p.Sites {
			out = append(out, s.ID)
		}
		return out
	}

	tests := []struct {
		name, token, query string
		want               int
		ids                []string
		next               string
	}{
		{"all, retired left out", "fbs", "", 200, all, ""},
		{"first page", "fbs", "?limit=2", 200, all[:2], all[1]},
		{"second page", "fbs", "?limit=2&after=" + url.QueryEscape(all[1]), 200, all[2:], ""},
		{"with retired", "fbs", "?retired=true", 200, nil, ""},
		{"organisation admin", "fbsadmin", "?limit=1", 200, all[:1], all[0]},
		{"another organisation's token", "other", "", 403, nil, ""},
		{"no token", "", "", 401, nil, ""},
		{"bad limit", "fbs", "?limit=0", 400, nil, ""},
		{"bad retired", "fbs", "?retired=maybe", 400, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, p := get(t, tt.token, tt.query)
			if code != tt.want {
				t.Fatalf("got %d, want %d", code, tt.want)
			}
			if code != 200 {
				return
			}
			if tt.name == "with retired" {
				if len(p.Sites) != 4 {
					t.Errorf("with retired: %d sites, want 4", len(p.Sites))
				}
				return
			}
			if got := ids(p); !slices.Equal(got, tt.ids) || p.Next != tt.next {
				t.Errorf("ids %v next %q, want %v next %q", got, p.Next, tt.ids, tt.next)
			}
		})
	}
	// Its own organisation sees the confidential site exactly.
	_, p := get(t, "fbs", "")
	for _, s := range p.Sites {
		if s.OrganizationID != "fbs" {
			t.Errorf("listed another organisation's site %+v", s)
		}
		if s.Name == "Safe House" && (!s.Confidential || s.Lat != 49.2827 || s.Lon != -123.1207) {
			t.Errorf("confidential site not exact: %+v", s)
		}
	}
}
