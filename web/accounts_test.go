package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
)

// testNow is the fixed clock of these tests: tokens expire relative to it.
var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// accountsEnv is a server with the organisations' API on a fresh SQLite store, organisations
// fbs and other, and tokens for each.
type accountsEnv struct {
	t       testing.TB
	srv     *httptest.Server
	server  *Server
	st      *sqlite.Store
	secrets map[string]string // name → secret: fbs, other, admin, expired, revoked, fbsadmin
}

func newAccountsEnv(t testing.TB, cfg Uploads, public int) *accountsEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{"fbs", "other"} {
		if err := st.UpsertOrganization(ctx, aidmap.Organization{ID: id, Name: "Org " + id}); err != nil {
			t.Fatal(err)
		}
	}
	e := &accountsEnv{t: t, st: st, secrets: map[string]string{}}
	for _, tok := range []struct {
		name, org string
		role      store.Role
		expires   time.Time
		revoked   bool
	}{
		{"fbs", "fbs", store.RoleEditor, testNow.Add(time.Hour), false},
		{"fbsadmin", "fbs", store.RoleAdmin, time.Time{}, false},
		{"other", "other", store.RoleEditor, time.Time{}, false},
		{"admin", "", store.RoleAdmin, time.Time{}, false},
		{"expired", "fbs", store.RoleEditor, testNow, false},
		{"revoked", "fbs", store.RoleEditor, time.Time{}, true},
	} {
		secret, id, hash := store.NewTokenSecret()
		rec := store.Token{ID: id, OrganizationID: tok.org, Role: tok.role, Hash: hash, CreatedAt: testNow.Add(-time.Hour), ExpiresAt: tok.expires}
		if tok.revoked {
			rec.RevokedAt = testNow.Add(-time.Minute)
		}
		if err := st.CreateToken(ctx, rec); err != nil {
			t.Fatal(err)
		}
		e.secrets[tok.name] = secret
	}
	cfg.Store = st
	// The clock advances a second a call, so uploads have an order.
	var tick atomic.Int64
	cfg.Now = func() time.Time { return testNow.Add(time.Duration(tick.Add(1)) * time.Second) }
	src := snapshot{ix: publicIndex(demo.Sites(10, 7), 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	e.server = NewServer(Config{Source: src, Store: st, Version: "test", Uploads: cfg, PublicPerMinute: public})
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// do sends a request with the named token ("" for none) and returns the status and body.
func (e *accountsEnv) do(method, path, token, contentType string, body []byte) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+e.secrets[token])
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// upload posts a file and waits for its upload to finish, returning its final record.
func (e *accountsEnv) upload(token, org, query string, body []byte) store.UploadRecord {
	e.t.Helper()
	resp, b := e.do("POST", "/api/v1/orgs/"+org+"/uploads"+query, token, "text/csv", body)
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("POST upload: got %d %s, want 202", resp.StatusCode, b)
	}
	var acc struct{ ID, Status string }
	if err := json.Unmarshal(b, &acc); err != nil || acc.ID == "" || resp.Header.Get("Location") != "/api/v1/orgs/"+org+"/uploads/"+acc.ID {
		e.t.Fatalf("POST upload: body %s, Location %q", b, resp.Header.Get("Location"))
	}
	return e.finished(token, org, acc.ID)
}

func (e *accountsEnv) finished(token, org, id string) store.UploadRecord {
	e.t.Helper()
	if err := e.server.WaitUploads(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	resp, b := e.do("GET", "/api/v1/orgs/"+org+"/uploads/"+id, token, "", nil)
	var rec store.UploadRecord
	if resp.StatusCode != 200 || json.Unmarshal(b, &rec) != nil {
		e.t.Fatalf("GET upload: %d %s", resp.StatusCode, b)
	}
	return rec
}

const uploadCSV = "id,name,lat,lon,category,status\n" +
	"FB1,Food Bank A,49.2827,-123.1207,food bank,\n" +
	"FB2,Meal Hall,49.2600,-123.1000,free meal,\n" +
	"BAD,,49.2,-123.1,food bank,\n"

func TestAccountsAuth(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	paths := []struct{ method, path string }{
		{"POST", "/api/v1/orgs/fbs/uploads"},
		{"GET", "/api/v1/orgs/fbs/uploads"},
		{"GET", "/api/v1/orgs/fbs/uploads/up_x"},
		{"POST", "/api/v1/orgs/fbs/uploads/up_x/rollback"},
		{"GET", "/api/v1/orgs/fbs/sites"},
		{"GET", "/api/v1/orgs/fbs/sites/x"},
		{"PUT", "/api/v1/orgs/fbs/sites/x"},
		{"PATCH", "/api/v1/orgs/fbs/sites/x"},
		{"DELETE", "/api/v1/orgs/fbs/sites/x"},
		{"GET", "/api/v1/orgs/fbs/history"},
	}
	tests := []struct {
		name   string
		token  string
		header string
		want   int
	}{
		{"no token", "", "", 401},
		{"not bearer", "", "Basic Zm9vOmJhcg==", 401},
		{"unknown token", "", "Bearer aidmap_guess", 401},
		{"expired", "expired", "", 401},
		{"revoked", "revoked", "", 401},
		{"another organisation's", "other", "", 403},
	}
	for _, tt := range tests {
		for _, p := range paths {
			t.Run(tt.name+" "+p.method+" "+p.path, func(t *testing.T) {
				req, _ := http.NewRequest(p.method, e.srv.URL+p.path, strings.NewReader(uploadCSV))
				if tt.token != "" {
					req.Header.Set("Authorization", "Bearer "+e.secrets[tt.token])
				}
				if tt.header != "" {
					req.Header.Set("Authorization", tt.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tt.want)
				}
				if tt.want == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without WWW-Authenticate: Bearer")
				}
				if resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("Content-Type %q, want a problem", resp.Header.Get("Content-Type"))
				}
			})
		}
	}
	// Nothing was written by any refused request.
	if v, _ := e.st.Version(context.Background()); v != 0 {
		t.Errorf("store version %d after refused requests, want 0", v)
	}
	// The deployment-wide admin and the organisation's admin may act for fbs.
	for _, tok := range []string{"admin", "fbsadmin", "fbs"} {
		if resp, b := e.do("GET", "/api/v1/orgs/fbs/uploads", tok, "", nil); resp.StatusCode != 200 {
			t.Errorf("%s token: got %d %s, want 200", tok, resp.StatusCode, b)
		}
	}
}

func TestUploadAndRollback(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	ctx := context.Background()

	// A dry run says what would happen and changes nothing.
	dry := e.upload("fbs", "fbs", "?dry_run=true", []byte(uploadCSV))
	if dry.Status != store.UploadDone || dry.Created != 2 || dry.Rejected != 1 || !dry.DryRun {
		t.Fatalf("dry run: got %+v", dry)
	}
	if v, _ := e.st.Version(ctx); v != 0 {
		t.Fatalf("store version %d after a dry run, want 0", v)
	}

	rec := e.upload("fbs", "fbs", "", []byte(uploadCSV))
	if rec.Status != store.UploadDone || rec.Created != 2 || rec.Rejected != 1 || rec.Mode != "merge" {
		t.Fatalf("upload: got %+v", rec)
	}
	var rep struct {
		Summary  struct{ Created, Rejected int }
		Problems []struct {
			Row    int    `json:"row"`
			Reason string `json:"reason"`
		}
	}
	if err := json.Unmarshal(rec.Report, &rep); err != nil || rep.Summary.Created != 2 || len(rep.Problems) == 0 {
		t.Fatalf("report: %v %s", err, rec.Report)
	}
	fb1 := aidmap.SiteID("fbs", "FB1")
	if s, err := e.st.Site(ctx, fb1); err != nil || s.Name != "Food Bank A" {
		t.Fatalf("site FB1 after upload: %+v %v", s, err)
	}

	// Multipart, replace: FB2 goes (retired), FB1 changes.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "sites.csv")
	io.WriteString(fw, "id,name,lat,lon,category\nFB1,Food Bank A (new hall),49.2827,-123.1207,food bank\n")
	mw.Close()
	resp, b := e.do("POST", "/api/v1/orgs/fbs/uploads?mode=replace", "fbs", mw.FormDataContentType(), buf.Bytes())
	if resp.StatusCode != 202 {
		t.Fatalf("multipart upload: %d %s", resp.StatusCode, b)
	}
	var acc struct{ ID string }
	json.Unmarshal(b, &acc)
	second := e.finished("fbs", "fbs", acc.ID)
	if second.Status != store.UploadDone || second.Updated != 1 || second.Retired != 1 || second.Filename != "sites.csv" {
		t.Fatalf("replace upload: %+v", second)
	}

	// The list, newest first, and the history.
	resp, b = e.do("GET", "/api/v1/orgs/fbs/uploads", "fbs", "", nil)
	var list struct{ Uploads []store.UploadRecord }
	if json.Unmarshal(b, &list); resp.StatusCode != 200 || len(list.Uploads) != 3 || list.Uploads[0].ID != second.ID {
		t.Fatalf("uploads: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do("GET", "/api/v1/orgs/fbs/history?upload="+second.ID, "fbs", "", nil)
	var hist struct {
		History []struct {
			SiteID string `json:"site_id"`
			Kind   string `json:"kind"`
			Actor  string `json:"actor"`
		}
	}
	if json.Unmarshal(b, &hist); resp.StatusCode != 200 || len(hist.History) != 2 || hist.History[0].Actor != second.TokenID {
		t.Fatalf("history: %d %s", resp.StatusCode, b)
	}

	// Rolling back the first upload is refused: the second changed its sites since.
	resp, b = e.do("POST", "/api/v1/orgs/fbs/uploads/"+rec.ID+"/rollback", "fbs", "", nil)
	if resp.StatusCode != 409 || !strings.Contains(string(b), "changed again later") {
		t.Fatalf("rollback of an overwritten upload: %d %s, want 409", resp.StatusCode, b)
	}
	// A dry run cannot be rolled back.
	if resp, b = e.do("POST", "/api/v1/orgs/fbs/uploads/"+dry.ID+"/rollback", "fbs", "", nil); resp.StatusCode != 409 {
		t.Fatalf("rollback of a dry run: %d %s, want 409", resp.StatusCode, b)
	}
	// Rolling back the second, then the first: every site is as before each.
	for _, id := range []string{second.ID, rec.ID} {
		if resp, b = e.do("POST", "/api/v1/orgs/fbs/uploads/"+id+"/rollback", "fbs", "", nil); resp.StatusCode != 200 {
			t.Fatalf("rollback %s: %d %s", id, resp.StatusCode, b)
		}
	}
	for _, ext := range []string{"FB1", "FB2"} {
		if s, err := e.st.Site(ctx, aidmap.SiteID("fbs", ext)); err != nil || s.Status != aidmap.StatusRetired {
			t.Errorf("site %s after both rollbacks: status %s, %v; want retired", ext, s.Status, err)
		}
	}
	// Another organisation's ID space: fbs's upload is not found through other's path.
	if resp, _ := e.do("GET", "/api/v1/orgs/other/uploads/"+rec.ID, "other", "", nil); resp.StatusCode != 404 {
		t.Errorf("other's view of fbs's upload: %d, want 404", resp.StatusCode)
	}
}

func TestUploadLimits(t *testing.T) {
	e := newAccountsEnv(t, Uploads{MaxBodyBytes: 4096, MaxRows: 3}, 0)
	zipOf := func(entries map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range entries {
			w, _ := zw.Create(name)
			w.Write(data)
		}
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name, query, ctype string
		body               []byte
		want               int
		detail             string
	}{
		{"body over the limit", "", "text/csv", []byte("id,name,lat,lon\n" + strings.Repeat("x,y,1,2\n", 1000)), 413, "4 KB"},
		{"empty", "", "text/csv", []byte("  \n"), 400, "empty"},
		{"bad mode", "?mode=wipe", "text/csv", []byte(uploadCSV), 400, "mode"},
		{"bad dry_run", "?dry_run=maybe", "text/csv", []byte(uploadCSV), 400, "dry_run"},
		{"zip with a path outside", "?name=x.zip", "application/zip", zipOf(map[string][]byte{"../locations.csv": []byte("id\n")}), 400, "outside"},
		{"zip bomb", "?name=x.zip", "application/zip", zipOf(map[string][]byte{"locations.csv": bytes.Repeat([]byte("a"), 3<<20)}), 400, "zip bomb"},
		{"GeoJSON too deep", "?name=x.geojson", "application/geo+json",
			[]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":` + strings.Repeat("[", 60) + strings.Repeat("]", 60) + `},"geometry":null}]}`), 0, ""},
		{"multipart without a file", "", "multipart/form-data; boundary=XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XX--\r\n"), 400, "no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do("POST", "/api/v1/orgs/fbs/uploads"+tt.query, "fbs", tt.ctype, tt.body)
			if tt.want == 0 {
				// Refused at once or by the upload: either way nothing is written.
				if resp.StatusCode == 202 {
					var acc struct{ ID string }
					json.Unmarshal(b, &acc)
					rec := e.finished("fbs", "fbs", acc.ID)
					if rec.Status != store.UploadFailed && rec.Created != 0 {
						t.Errorf("deep GeoJSON: %+v", rec)
					}
				} else if resp.StatusCode != 400 {
					t.Errorf("deep GeoJSON: got %d %s", resp.StatusCode, b)
				}
				return
			}
			if resp.StatusCode != tt.want || !strings.Contains(string(b), tt.detail) {
				t.Errorf("got %d %s, want %d naming %q", resp.StatusCode, b, tt.want, tt.detail)
			}
		})
	}

	// Rows over the limit: the upload fails, naming the limit, and writes nothing.
	rec := e.upload("fbs", "fbs", "", []byte("id,name,lat,lon,category\n"+strings.Repeat("", 0)+
		"A,a,49.1,-123.1,food bank\nB,b,49.1,-123.1,food bank\nC,c,49.1,-123.1,food bank\nD,d,49.1,-123.1,food bank\n"))
	if rec.Status != store.UploadFailed || !strings.Contains(rec.Error, "3 rows") {
		t.Errorf("4 rows with a limit of 3: got %+v", rec)
	}
	if v, _ := e.st.Version(context.Background()); v != 0 {
		t.Errorf("store version %d after refused uploads, want 0", v)
	}
	// A site edit deeper than the JSON depth limit.
	deep := `{"name":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`
	if resp, b := e.do("PATCH", "/api/v1/orgs/fbs/sites/x", "fbs", "application/json", []byte(deep)); resp.StatusCode != 400 || !strings.Contains(string(b), "depth") {
		t.Errorf("deep PATCH: got %d %s, want 400 naming the depth limit", resp.StatusCode, b)
	}
}

func TestUploadRateLimits(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: 2}, 3)
	for i := range 3 {
		resp, b := e.do("POST", "/api/v1/orgs/fbs/uploads?dry_run=true", "fbs", "text/csv", []byte(uploadCSV))
		want := 202
		if i == 2 {
			want = 429
		}
		if resp.StatusCode != want {
			t.Fatalf("upload %d: got %d %s, want %d", i+1, resp.StatusCode, b, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	// Another token is not limited by the first one's uploads.
	if resp, b := e.do("POST", "/api/v1/orgs/fbs/uploads?dry_run=true", "fbsadmin", "text/csv", []byte(uploadCSV)); resp.StatusCode != 202 {
		t.Errorf("other token: got %d %s, want 202", resp.StatusCode, b)
	}
	e.server.WaitUploads(context.Background())
	for i := range 4 {
		resp, _ := e.do("GET", "/api/v1/categories", "", "", nil)
		if want := map[bool]int{true: 429, false: 200}[i == 3]; resp.StatusCode != want {
			t.Fatalf("public request %d: got %d, want %d", i+1, resp.StatusCode, want)
		}
		if i == 3 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
}

func TestOrgSiteEdits(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	ctx := context.Background()
	e.upload("fbs", "fbs", "", []byte("id,name,lat,lon,category,confidential\nSH1,Safe House,49.2827,-123.1207,shelter,yes\nFB1,Food Bank,49.25,-123.1,food bank,\n"))
	e.upload("other", "other", "", []byte("id,name,lat,lon,category\nO1,Other Site,49.2,-123.0,food bank\n"))
	sh1, fb1, o1 := aidmap.SiteID("fbs", "SH1"), aidmap.SiteID("fbs", "FB1"), aidmap.SiteID("other", "O1")

	// Its own organisation sees the confidential site exactly.
	resp, b := e.do("GET", "/api/v1/orgs/fbs/sites/"+sh1, "fbs", "", nil)
	var got aidmap.Site
	if json.Unmarshal(b, &got); resp.StatusCode != 200 || !got.Confidential || got.Lat != 49.2827 || got.Lon != -123.1207 {
		t.Fatalf("own confidential site: %d %s", resp.StatusCode, b)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	tests := []struct {
		name, method, path, body string
		want                     int
		check                    func(t *testing.T, s aidmap.Site)
	}{
		{"patch status", "PATCH", "/api/v1/orgs/fbs/sites/" + fb1, `{"status":"temporarily_closed"}`, 200,
			func(t *testing.T, s aidmap.Site) {
				if s.Status != aidmap.StatusTemporarilyClosed || s.Name != "Food Bank" {
					t.Errorf("after PATCH: %+v", s)
				}
			}},
		{"patch hours notes", "PATCH", "/api/v1/orgs/fbs/sites/" + fb1, `{"hours":{"notes":"Closed today"}}`, 200,
			func(t *testing.T, s aidmap.Site) {
				if s.Hours.Notes != "Closed today" || s.Status != aidmap.StatusTemporarilyClosed {
					t.Errorf("after PATCH: %+v", s)
				}
			}},
		{"patch an invalid status", "PATCH", "/api/v1/orgs/fbs/sites/" + fb1, `{"status":"gone fishing"}`, 400, nil},
		{"patch the ID", "PATCH", "/api/v1/orgs/fbs/sites/" + fb1, `{"external_id":"FB9"}`, 400, nil},
		{"patch an unknown field", "PATCH", "/api/v1/orgs/fbs/sites/" + fb1, `{"colour":"red"}`, 400, nil},
		{"not an object", "PATCH", "/api/v1/orgs/fbs/sites/" + fb1, `[1]`, 400, nil},
		{"another organisation's site", "PATCH", "/api/v1/orgs/fbs/sites/" + o1, `{"status":"closed"}`, 404, nil},
		{"put a whole site", "PUT", "/api/v1/orgs/fbs/sites/" + fb1,
			`{"name":"Food Bank","categories":["food_bank"],"lat":49.25,"lon":-123.1,"precision":"exact","status":"active"}`, 200,
			func(t *testing.T, s aidmap.Site) {
				if s.Status != aidmap.StatusActive || s.Hours.Notes != "" {
					t.Errorf("after PUT: %+v", s)
				}
			}},
		{"delete", "DELETE", "/api/v1/orgs/fbs/sites/" + fb1, ``, 200,
			func(t *testing.T, s aidmap.Site) {
				if s.Status != aidmap.StatusRetired {
					t.Errorf("after DELETE: %+v", s)
				}
			}},
		{"delete another organisation's site", "DELETE", "/api/v1/orgs/fbs/sites/" + o1, ``, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.do(tt.method, tt.path, "fbs", "application/json", []byte(tt.body))
			if resp.StatusCode != tt.want {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tt.want)
			}
			if tt.check != nil {
				s, err := e.st.Site(ctx, fb1)
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, s)
			}
		})
	}
	if s, _ := e.st.Site(ctx, o1); s.Status != aidmap.StatusActive {
		t.Errorf("other's site was changed: %+v", s)
	}
	// Every edit is in the history, by the token that made it.
	resp, b = e.do("GET", "/api/v1/orgs/fbs/history?site="+fb1, "fbs", "", nil)
	var hist struct{ History []store.HistoryEntry }
	if json.Unmarshal(b, &hist); resp.StatusCode != 200 || len(hist.History) != 5 {
		t.Errorf("history of FB1: %d, %d entries (%s), want 5 (created, 3 edits, retired)", resp.StatusCode, len(hist.History), b)
	}
}

// FuzzUploadEndpoint posts arbitrary bodies: the server never fails with a 500, and an upload
// either finishes or changes nothing at all.
func FuzzUploadEndpoint(f *testing.F) {
	f.Add([]byte(uploadCSV), "")
	f.Add([]byte("id,name,lat,lon\nA,\"never closed,49,-123\n"), "x.csv")
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-123.1,49.2]},"properties":{"name":"A"}}]}`), "x.geojson")
	f.Add([]byte("PK\x03\x04garbage"), "x.zip")
	f.Add([]byte(`{"organizations":[{"id":"1","services":[`), "hsds.json")
	f.Add([]byte("\xff\xfe\x00i\x00d"), "")
	e := newAccountsEnv(f, Uploads{MaxBodyBytes: 1 << 16, MaxRows: 50, PerTokenPerMinute: -1}, 0)
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		e.t = t
		before, _ := e.st.Version(context.Background())
		resp, b := e.do("POST", "/api/v1/orgs/fbs/uploads?name="+url.QueryEscape(name), "fbsadmin", "", body)
		switch {
		case resp.StatusCode >= 500:
			t.Fatalf("got %d %s", resp.StatusCode, b)
		case resp.StatusCode == 202:
			var acc struct{ ID string }
			json.Unmarshal(b, &acc)
			rec := e.finished("fbsadmin", "fbs", acc.ID)
			after, _ := e.st.Version(context.Background())
			if rec.Status == store.UploadFailed && after != before {
				t.Fatalf("a failed upload changed the store (version %d → %d): %+v", before, after, rec)
			}
			if changed := rec.Created+rec.Updated+rec.Retired > 0; rec.Status == store.UploadDone && changed != (after > before) {
				t.Fatalf("a finished upload that changed %v sites moved the version %d → %d: %+v", changed, before, after, rec)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if after, _ := e.st.Version(context.Background()); after != before {
				t.Fatalf("a refused upload changed the store")
			}
		}
	})
}

// TestOrgManagePage serves /manage with a CSP that allows no inline script, and its files.
func TestOrgManagePage(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	resp, b := e.do("GET", "/manage", "", "", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `src="/static/manage/manage.js"`) ||
		!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("/manage: %d, CSP %q", resp.StatusCode, csp)
	}
	if strings.Contains(string(b), "<script>") || strings.Contains(string(b), " on") && strings.Contains(string(b), "onclick") {
		t.Errorf("/manage has inline script")
	}
	for _, f := range []string{"/static/manage/manage.js", "/static/manage/manage.css"} {
		if resp, _ := e.do("GET", f, "", "", nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d", f, resp.StatusCode)
		}
	}
	js, _ := staticFiles.ReadFile("static/manage/manage.js")
	if strings.Contains(string(js), "innerHTML") || strings.Contains(string(js), "insertAdjacentHTML") {
		t.Errorf("manage.js writes HTML; server texts must go in with textContent")
	}
}

// TestTokenNeverLogged logs every request at debug level and checks no secret appears, whether
// the token is valid, unknown or sent where it is refused.
func TestTokenNeverLogged(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	var logs safeBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src := snapshot{ix: publicIndex(nil, 9), orgs: map[string]aidmap.Organization{}}
	srv := NewServer(Config{Source: src, Store: e.st, Logger: logger, Uploads: Uploads{Store: e.st}})
	e.srv = httptest.NewServer(srv.Handler())
	defer e.srv.Close()
	e.secrets["guess"] = "aidmap_" + strings.Repeat("A", 43)
	for _, tok := range []string{"fbs", "other", "expired", "guess"} {
		e.do("GET", "/api/v1/orgs/fbs/uploads", tok, "", nil)
		e.do("POST", "/api/v1/orgs/fbs/uploads", tok, "text/csv", []byte(uploadCSV))
		e.do("PATCH", "/api/v1/orgs/fbs/sites/nope", tok, "application/json", []byte(`{`))
	}
	srv.WaitUploads(context.Background())
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test checks nothing")
	}
	for name, secret := range e.secrets {
		if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), secret[len(store.TokenPrefix):]) {
			t.Errorf("the %s token's secret is in the log", name)
		}
	}
}

// safeBuffer is a bytes.Buffer the server's goroutines can log into.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *safeBuffer) Len() int       { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Len() }
func (s *safeBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
