package web

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aidmap/aidmap"
)

// TestConfidentialEdits checks the edits that could publish a confidential site's point or
// move it: a null that would move it to 0,0, a confidentiality that is not a boolean, a PUT
// that leaves the field out. (That a change of confidentiality changes the public ID is
// feed's test.)
func TestConfidentialEdits(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	ctx := context.Background()
	e.upload("fbs", "fbs", "", []byte("id,name,lat,lon,category,confidential\nSH1,Safe House,49.2827,-123.1207,shelter,yes\nFB1,Food Bank,49.25,-123.1,food bank,no\n"))
	sh1, fb1 := aidmap.SiteID("fbs", "SH1"), aidmap.SiteID("fbs", "FB1")

	for _, tc := range []struct {
		name, method, id, body string
	}{
		{"null latitude", "PATCH", sh1, `{"lat":null}`},
		{"null name", "PATCH", fb1, `{"name":null}`},
		{"confidential as text", "PATCH", sh1, `{"confidential":"no"}`},
		{"confidential as a number", "PATCH", fb1, `{"confidential":1}`},
		{"put without confidential", "PUT", sh1, `{"name":"Safe House","categories":["shelter"],"lat":49.2827,"lon":-123.1207,"precision":"exact","status":"active"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.st.Version(ctx)
			resp, b := e.do(tc.method, "/api/v1/orgs/fbs/sites/"+tc.id, "fbs", "application/json", []byte(tc.body))
			if resp.StatusCode != 400 {
				t.Fatalf("got %d %s, want 400", resp.StatusCode, b)
			}
			if after, _ := e.st.Version(ctx); after != before {
				t.Error("a refused edit changed the store")
			}
		})
	}

	// A boolean is taken.
	resp, b := e.do("PATCH", "/api/v1/orgs/fbs/sites/"+fb1, "fbs", "application/json", []byte(`{"confidential":true}`))
	var out struct{ Site aidmap.Site }
	if json.Unmarshal(b, &out); resp.StatusCode != 200 || out.Site.ID != fb1 || !out.Site.Confidential {
		t.Fatalf("marking confidential: %d %s", resp.StatusCode, b)
	}
}
