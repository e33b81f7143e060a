package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/store"
)

// reportSource is a fixed Source that knows the stored IDs of confidential sites, as
// feed.Follower does.
type reportSource struct {
	snapshot
	stored map[string]string
}

func (s reportSource) StoredID(id string) (string, bool) {
	if st, ok := s.stored[id]; ok {
		return st, true
	}
	if site, ok := s.ix.Site(id); ok && !site.Confidential {
		return id, true
	}
	return "", false
}

// reportsEnv is an accountsEnv whose server takes reports, with two fbs sites published: a
// public one and a confidential one.
type reportsEnv struct {
	*accountsEnv
	public, confidential aidmap.Site // as stored
	confidentialPublicID string
}

func newReportsEnv(t *testing.T, cfg Reports) *reportsEnv {
	e := newAccountsEnv(t, Uploads{}, 0)
	ctx := context.Background()
	pub := demo.Sites(1, 11)[0]
	mk := func(ext string, confidential bool) aidmap.Site {
		s := pub
		s.OrganizationID, s.ExternalID, s.Name, s.Confidential = "fbs", ext, "Site "+ext, confidential
		s.ID = aidmap.SiteID("fbs", ext)
		s.Status = aidmap.StatusActive
		return s
	}
	re := &reportsEnv{accountsEnv: e, public: mk("P1", false), confidential: mk("C1", true)}
	re.confidential.Name = "Kitsilano Safe House"
	sites := []aidmap.Site{re.public, re.confidential}
	if _, err := e.st.UpsertSites(ctx, "fbs", sites); err != nil {
		t.Fatal(err)
	}
	re.confidentialPublicID = testPublisher().PublicID(re.confidential.ID, true)
	src := reportSource{snapshot{ix: publicIndex(sites, 1), orgs: map[string]aidmap.Organization{"fbs": {ID: "fbs", Name: "Org fbs"}}},
		map[string]string{re.confidentialPublicID: re.confidential.ID}}
	if cfg.Store == nil {
		cfg.Store = e.st
	}
	e.server = NewServer(Config{Source: src, Store: e.st, Version: "test", Uploads: Uploads{Store: e.st, Now: func() time.Time { return testNow }},
		Reports: cfg})
	e.srv.Close()
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)
	return re
}

func (e *reportsEnv) report(id, body string) (int, string) {
	e.t.Helper()
	resp, b := e.do("POST", "/api/v1/sites/"+id+"/reports", "", "application/json", []byte(body))
	return resp.StatusCode, string(b)
}

func (e *reportsEnv) inbox(token, query string) (int, struct {
	Sites []inboxSite
	Count int
}) {
	e.t.Helper()
	resp, b := e.do("GET", "/api/v1/orgs/fbs/reports"+query, token, "", nil)
	var out struct {
		Sites []inboxSite
		Count int
	}
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestReports(t *testing.T) {
	e := newReportsEnv(t, Reports{PerIPPerHour: -1})
	note := `<script>alert("x")</script><a href="https://spam.example">win</a> <b>closed</b> since Monday`

	// A person reports two problems; nothing in the answer says more than the listing does.
	for _, tc := range []struct{ id, body string }{
		{e.public.ID, `{"kind":"closed","note":` + quoteJSON(note) + `}`},
		{e.confidentialPublicID, `{"kind":"wrong_phone"}`},
		{e.public.ID, `{"kind":"wrong_hours","note":"  Opens at 10 now  "}`},
	} {
		status, body := e.report(tc.id, tc.body)
		if status != http.StatusAccepted || strings.TrimSpace(body) != `{"status":"received"}` {
			t.Fatalf("report %s: got %d %s, want 202 {\"status\":\"received\"}", tc.body, status, body)
		}
	}
	// The stored ID of a confidential site is not published: it names no listing.
	if status, body := e.report(e.confidential.ID, `{"kind":"closed"}`); status != 404 || strings.Contains(body, "Safe House") {
		t.Errorf("report by a confidential site's stored ID: %d %s, want 404", status, body)
	}

	// The organisation's inbox, grouped by site, exactly (stored ID and name).
	status, in := e.inbox("fbs", "")
	if status != 200 || in.Count != 3 || len(in.Sites) != 2 {
		t.Fatalf("inbox: %d %+v", status, in)
	}
	bySite := map[string]inboxSite{}
	for _, g := range in.Sites {
		bySite[g.SiteID] = g
	}
	pub, conf := bySite[e.public.ID], bySite[e.confidential.ID]
	if len(pub.Reports) != 2 || pub.Name != "Site P1" || len(conf.Reports) != 1 || conf.Name != "Kitsilano Safe House" || conf.Reports[0].Kind != "wrong_phone" {
		t.Fatalf("inbox groups: %+v", in.Sites)
	}
	var typed, trimmed bool
	for _, r := range pub.Reports {
		typed = typed || r.Note == note // stored and returned as typed: shown as text by /manage
		trimmed = trimmed || r.Note == "Opens at 10 now"
	}
	if !typed || !trimmed {
		t.Errorf("notes: %+v, want the HTML note as typed and the other trimmed", pub.Reports)
	}
	_, raw := e.do("GET", "/api/v1/orgs/fbs/reports", "fbs", "", nil)
	validateAgainst(t, "#/paths/~1api~1v1~1orgs~1{org}~1reports/get/responses/200/content/application~1json/schema", raw)
	_, raw = e.do("POST", "/api/v1/sites/"+e.public.ID+"/reports", "", "application/json", []byte(`{"kind":"moved"}`))
	validateAgainst(t, "#/paths/~1api~1v1~1sites~1{id}~1reports/post/responses/202/content/application~1json/schema", raw)
	if _, err := e.st.ResolveReport(context.Background(), "fbs", mustNewest(t, e), store.ReportDismissed, "test", testNow); err != nil {
		t.Fatal(err)
	}
	if status, _ := e.inbox("other", ""); status != http.StatusForbidden {
		t.Errorf("another organisation's inbox: %d, want 403", status)
	}
	if status, _ := e.inbox("", ""); status != http.StatusUnauthorized {
		t.Errorf("inbox without a token: %d, want 401", status)
	}

	// Accept one, dismiss another; each only once, and only the organisation's own.
	accept := pub.Reports[0].ID
	resp, b := e.do("POST", "/api/v1/orgs/fbs/reports/"+accept+"/accept", "fbs", "", nil)
	var got store.Report
	if json.Unmarshal(b, &got); resp.StatusCode != 200 || got.Status != store.ReportAccepted || got.HandledBy == "" {
		t.Fatalf("accept: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("POST", "/api/v1/orgs/fbs/reports/"+accept+"/dismiss", "fbs", "", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("dismiss an accepted report: %d, want 409", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/v1/orgs/other/reports/"+conf.Reports[0].ID+"/dismiss", "other", "", nil); resp.StatusCode != 404 {
		t.Errorf("dismiss another organisation's report: %d, want 404", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/v1/orgs/fbs/reports/"+conf.Reports[0].ID+"/dismiss", "fbs", "", nil); resp.StatusCode != 200 {
		t.Errorf("dismiss: %d, want 200", resp.StatusCode)
	}
	if _, in := e.inbox("fbs", ""); in.Count != 1 {
		t.Errorf("open reports after handling two: %d, want 1", in.Count)
	}
	if _, in := e.inbox("fbs", "?status=all"); in.Count != 4 {
		t.Errorf("all reports: %d, want 4", in.Count)
	}

	// Refused: bad kinds, long notes, huge bodies, unknown sites. The honeypot keeps nothing.
	for _, tc := range []struct {
		name, id, body string
		want           int
	}{
		{"unknown kind", e.public.ID, `{"kind":"rude"}`, 400},
		{"no kind", e.public.ID, `{"note":"hi"}`, 400},
		{"501 characters", e.public.ID, `{"kind":"other","note":"` + strings.Repeat("é", 501) + `"}`, 400},
		{"a 1 MB note", e.public.ID, `{"kind":"other","note":"` + strings.Repeat("a", 1<<20) + `"}`, 413},
		{"not JSON", e.public.ID, `kind=closed`, 400},
		{"unknown site", "nope", `{"kind":"closed"}`, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, body := e.report(tc.id, tc.body); status != tc.want {
				t.Errorf("got %d %.200s, want %d", status, body, tc.want)
			}
		})
	}
	if status, _ := e.report(e.public.ID, `{"kind":"closed","website":"http://spam.example"}`); status != http.StatusAccepted {
		t.Errorf("honeypot: %d, want 202 (as if kept)", status)
	}
	if _, in := e.inbox("fbs", "?status=all"); in.Count != 4 {
		t.Errorf("reports after the refused ones and the honeypot: %d, want 4", in.Count)
	}
}

// TestReportsThrottled sends 1,000 reports from one address: all but the first few are
// refused with 429 and kept nowhere; and one site takes only so many reports a day from
// everyone.
func TestReportsThrottled(t *testing.T) {
	e := newReportsEnv(t, Reports{PerIPPerHour: 10, PerSitePerDay: 1000})
	codes := map[int]int{}
	for i := range 1000 {
		status, _ := e.report(e.public.ID, fmt.Sprintf(`{"kind":"other","note":"spam %d"}`, i))
		codes[status]++
	}
	if codes[http.StatusAccepted] != 10 || codes[http.StatusTooManyRequests] != 990 {
		t.Errorf("1,000 reports from one address: %v, want 10 accepted and 990 refused with 429", codes)
	}
	if _, in := e.inbox("fbs", "?status=all&limit=5000"); in.Count != 10 {
		t.Errorf("stored: %d, want 10", in.Count)
	}

	e = newReportsEnv(t, Reports{PerIPPerHour: -1, PerSitePerDay: 5})
	codes = map[int]int{}
	for range 8 {
		status, _ := e.report(e.public.ID, `{"kind":"closed"}`)
		codes[status]++
	}
	if codes[http.StatusAccepted] != 5 || codes[http.StatusTooManyRequests] != 3 {
		t.Errorf("8 reports of one site with a limit of 5 a day: %v", codes)
	}
	if status, _ := e.report(e.confidentialPublicID, `{"kind":"closed"}`); status != http.StatusAccepted {
		t.Errorf("another site is not limited by the first: %d", status)
	}
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// mustNewest returns the ID of the organisation's newest open report.
func mustNewest(t *testing.T, e *reportsEnv) string {
	t.Helper()
	list, err := e.st.Reports(context.Background(), "fbs", store.ReportOpen, 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("newest report: %v %v", list, err)
	}
	return list[0].ID
}

// memReports is an in-memory store.Reports for tests that need no database.
type memReports struct {
	mu   sync.Mutex
	list []store.Report
}

func (m *memReports) AddReport(_ context.Context, r store.Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Status = store.ReportOpen
	m.list = append(m.list, r)
	return nil
}

func (m *memReports) Reports(_ context.Context, orgID, status string, limit int) ([]store.Report, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Report
	for i := len(m.list) - 1; i >= 0 && len(out) < limit; i-- {
		if r := m.list[i]; r.OrganizationID == orgID && (status == "" || r.Status == status) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memReports) ResolveReport(context.Context, string, string, string, string, time.Time) (store.Report, error) {
	return store.Report{}, aidmap.ErrNotFound
}

func (m *memReports) CountReports(_ context.Context, siteID string, since time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.list {
		if r.SiteID == siteID && !r.CreatedAt.Before(since) {
			n++
		}
	}
	return n, nil
}
