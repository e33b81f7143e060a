package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

func TestVerifySites(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	ctx := context.Background()
	e.upload("fbs", "fbs", "", []byte("id,name,lat,lon,category\nFB1,Food Bank,49.25,-123.1,food bank\n"+
		"FB2,Meal Hall,49.26,-123.1,free meal\nFB3,Pantry,49.27,-123.1,food bank\n"))
	e.upload("other", "other", "", []byte("id,name,lat,lon,category\nO1,Other Site,49.2,-123.0,food bank\n"))
	fb1, fb2, fb3, o1 := aidmap.SiteID("fbs", "FB1"), aidmap.SiteID("fbs", "FB2"), aidmap.SiteID("fbs", "FB3"), aidmap.SiteID("other", "O1")
	site := func(id string) aidmap.Site {
		t.Helper()
		s, err := e.st.Site(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := site(fb1)

	type answer struct {
		Verified   int
		VerifiedBy string `json:"verified_by"`
		Upload     store.UploadRecord
	}
	post := func(path, body string, want int) answer {
		t.Helper()
		resp, b := e.do("POST", path, "fbs", "application/json", []byte(body))
		if resp.StatusCode != want {
			t.Fatalf("POST %s %s: got %d %s, want %d", path, body, resp.StatusCode, b, want)
		}
		var a answer
		json.Unmarshal(b, &a)
		return a
	}

	t.Run("one site", func(t *testing.T) {
		a := post("/api/v1/orgs/fbs/sites/"+fb1+"/verify", "", 200)
		got := site(fb1)
		if a.Verified != 1 || got.VerifiedAt.IsZero() || got.VerifiedBy == "" || got.VerifiedBy != a.VerifiedBy {
			t.Fatalf("after verify: %+v, answer %+v", got, a)
		}
		if !got.UpdatedAt.Equal(before.UpdatedAt) || got.Name != before.Name {
			t.Errorf("verify changed more than the verification: updated_at %v → %v", before.UpdatedAt, got.UpdatedAt)
		}
		if a.Upload.Mode != "verify" || a.Upload.Updated != 1 {
			t.Errorf("upload record %+v, want mode verify, 1 updated", a.Upload)
		}
		// Recorded in history like any edit, by the token.
		resp, b := e.do("GET", "/api/v1/orgs/fbs/history?upload="+a.Upload.ID, "fbs", "", nil)
		var hist struct{ History []store.HistoryEntry }
		if json.Unmarshal(b, &hist); resp.StatusCode != 200 || len(hist.History) != 1 ||
			hist.History[0].Actor != got.VerifiedBy || !strings.Contains(string(hist.History[0].After), "verified_at") {
			t.Errorf("history of the verification: %d %s", resp.StatusCode, b)
		}
		// The organisation sees who verified; the public API only when.
		_, b = e.do("GET", "/api/v1/orgs/fbs/sites/"+fb1, "fbs", "", nil)
		if !strings.Contains(string(b), `"verified_by":"`+got.VerifiedBy+`"`) {
			t.Errorf("own site: %s, want verified_by", b)
		}
	})
	t.Run("a selection", func(t *testing.T) {
		a := post("/api/v1/orgs/fbs/sites/verify", fmt.Sprintf(`{"ids":[%q,%q]}`, fb2, fb3), 200)
		if a.Verified != 2 || site(fb2).VerifiedAt.IsZero() || site(fb3).VerifiedAt.IsZero() {
			t.Fatalf("answer %+v", a)
		}
	})
	t.Run("all or nothing", func(t *testing.T) {
		was := site(fb2).VerifiedAt
		post("/api/v1/orgs/fbs/sites/verify", fmt.Sprintf(`{"ids":[%q,%q]}`, fb2, o1), 404)
		if !site(fb2).VerifiedAt.Equal(was) {
			t.Error("a refused bulk verification changed a site")
		}
		if !site(o1).VerifiedAt.IsZero() {
			t.Error("another organisation's site was verified")
		}
	})
	t.Run("all", func(t *testing.T) {
		a := post("/api/v1/orgs/fbs/sites/verify", `{"all":true}`, 200)
		if a.Verified != 3 {
			t.Fatalf("answer %+v, want 3 verified", a)
		}
		if !site(o1).VerifiedAt.IsZero() {
			t.Error("another organisation's site was verified")
		}
	})
	t.Run("a re-upload keeps the verification", func(t *testing.T) {
		was := site(fb1)
		rec := e.upload("fbs", "fbs", "", []byte("id,name,lat,lon,category\nFB1,Food Bank,49.25,-123.1,food bank\n"))
		got := site(fb1)
		if rec.Unchanged != 1 || !got.VerifiedAt.Equal(was.VerifiedAt) || got.VerifiedBy != was.VerifiedBy {
			t.Errorf("after re-upload: %+v, verified %v by %q, want unchanged, %v by %q", rec, got.VerifiedAt, got.VerifiedBy, was.VerifiedAt, was.VerifiedBy)
		}
	})
	t.Run("an upload with verify=true", func(t *testing.T) {
		resp, b := e.do("POST", "/api/v1/orgs/other/sites/verify", "other", "application/json", []byte(`{"all":true}`))
		if resp.StatusCode != 200 {
			t.Fatalf("verify other's: %d %s", resp.StatusCode, b)
		}
		was := site(o1)
		rec := e.upload("other", "other", "?verify=true", []byte("id,name,lat,lon,category\nO1,Other Site,49.2,-123.0,food bank\n"))
		got := site(o1)
		if rec.Status != store.UploadDone || rec.Updated != 1 || !got.VerifiedAt.After(was.VerifiedAt) || got.VerifiedBy != was.VerifiedBy || got.Name != was.Name {
			t.Errorf("after an unchanged upload with verify=true: %+v, verified %v by %q, want a newer verification by the same token", rec, got.VerifiedAt, got.VerifiedBy)
		}
		if resp, b := e.do("POST", "/api/v1/orgs/other/uploads?verify=maybe", "other", "text/csv", []byte("id,name\n")); resp.StatusCode != 400 {
			t.Errorf("verify=maybe: %d %s, want 400", resp.StatusCode, b)
		}
	})
	for _, tc := range []struct{ name, path, body string }{
		{"another organisation's site", "/api/v1/orgs/fbs/sites/" + o1 + "/verify", ""},
		{"no such site", "/api/v1/orgs/fbs/sites/nope/verify", ""},
	} {
		t.Run(tc.name, func(t *testing.T) { post(tc.path, tc.body, 404) })
	}
	for _, body := range []string{`{}`, `{"ids":[]}`, `{"all":true,"ids":["x"]}`, `{"all":"yes"}`, `[1]`, `{"colour":1}`} {
		t.Run("bad body "+body, func(t *testing.T) { post("/api/v1/orgs/fbs/sites/verify", body, 400) })
	}
	t.Run("another organisation's token", func(t *testing.T) {
		resp, _ := e.do("POST", "/api/v1/orgs/fbs/sites/verify", "other", "application/json", []byte(`{"all":true}`))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("got %d, want 403", resp.StatusCode)
		}
	})
}

// BenchmarkVerifyBulk verifies 100k sites of one organisation in one call
// (POST …/sites/verify with their IDs) on SQLite: reading them, writing each with its
// history entry, recording the upload.
//
//	go test ./web -run '^$' -bench VerifyBulk -benchtime 3x
func BenchmarkVerifyBulk(b *testing.B) {
	const n = 100_000
	e := newAccountsEnv(b, Uploads{}, 0)
	ctx := context.Background()
	sites := make([]aidmap.Site, n)
	ids := make([]string, n)
	for i := range sites {
		s := aidmap.Site{OrganizationID: "fbs", ExternalID: fmt.Sprint("S", i), Name: fmt.Sprint("Site ", i),
			Categories: []aidmap.Category{aidmap.CategoryFoodBank}, Lat: 49 + float64(i%1000)/1000, Lon: -123 + float64(i/1000)/1000,
			Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive, UpdatedAt: testNow}
		s.ID = aidmap.SiteID(s.OrganizationID, s.ExternalID)
		sites[i], ids[i] = s, s.ID
	}
	if _, err := e.st.UpsertSites(ctx, "fbs", sites); err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"ids": ids})
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		resp, out := e.do("POST", "/api/v1/orgs/fbs/sites/verify", "fbsadmin", "application/json", body)
		if resp.StatusCode != 200 || !strings.Contains(string(out), `"verified":100000`) {
			b.Fatalf("got %d %.300s", resp.StatusCode, out)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "sites/s")
}
