package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// "Report a problem": anyone may tell an organisation that one of its listings is wrong
// (closed, wrong hours, moved, wrong phone, other, with an optional note), without an account.
// Reports land in the organisation's corrections inbox (GET /api/v1/orgs/{org}/reports).
//
// What is kept is only what the person chose and typed: no IP address, no cookie, no account.
// Abuse is held back by a per-IP limit (in memory, per process), a per-site limit (counted in
// the store, so shared by every replica), a small body limit, a 500-character note and a
// honeypot field that people never see and bots fill in. Notes are stored as typed and only
// ever shown as text (the /manage page sets textContent), never as HTML or links.

// Reports configures "report a problem".
type Reports struct {
	// Store keeps the reports; nil turns the feature off (404).
	Store store.Reports
	// PerIPPerHour bounds the reports one client address may send an hour; 0 means 10, -1 none.
	PerIPPerHour int
	// PerSitePerDay bounds the reports about one site in 24 hours, from everyone; 0 means 20.
	PerSitePerDay int
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// ReporterKey keys the hash that tells "closed" reports of distinct people apart
	// (store.Report.Reporter), kept only while Freshness.ClosedThreshold is on. Every replica
	// must have the same one (serve derives it from the deployment key); nil draws one per
	// process.
	ReporterKey []byte
	// PoWBits is how many leading zero bits the proof of work of a report must have (pow.go,
	// serve --report-pow-bits); 0 asks for none.
	PoWBits int
	// PoWKey keys the proof of work's challenges; every replica must have the same one (serve
	// derives it from the deployment key). Nil draws one per process.
	PoWKey []byte
}

// reports is the server's part for reports.
type reports struct {
	Reports
	pow *powChecker // nil: no proof of work asked
}

func newReports(cfg Reports) *reports {
	if cfg.Store == nil {
		return nil
	}
	if cfg.PerIPPerHour == 0 {
		cfg.PerIPPerHour = 10
	}
	if cfg.PerSitePerDay == 0 {
		cfg.PerSitePerDay = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReporterKey == nil {
		cfg.ReporterKey = make([]byte, 32)
		_, _ = rand.Read(cfg.ReporterKey)
	}
	return &reports{Reports: cfg, pow: newPoW(cfg.PoWBits, cfg.PoWKey, cfg.Now)}
}

const (
	maxReportBody = 4 << 10 // a kind, a note of 500 characters (up to 2 KB) and the honeypot
	maxNoteChars  = 500
)

// storedIDs is implemented by a Source that can say which stored site a published ID names
// (feed.Follower): a confidential site is published under a keyed ID.
type storedIDs interface {
	StoredID(publicID string) (string, bool)
}

// limitReportsByIP limits reports per client IP an hour; n < 1 turns it off.
func limitReportsByIP(n int) func(http.Handler) http.Handler {
	if n < 1 {
		return func(h http.Handler) http.Handler { return h }
	}
	return httprate.LimitBy(n, time.Hour, func(r *http.Request) (string, error) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		return "report:" + httprate.CanonicalizeIP(host), nil
	}, httprate.WithLimitHandler(rateLimited))
}

// handleReport answers POST /api/v1/sites/{id}/reports with {"kind": "...", "note": "..."}:
// 202 when the report is kept. {id} is the site's public ID (as the public API gives it); the
// answer says nothing about the site beyond what its public listing does.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	rp := s.reports
	if rp == nil {
		reportsOff(w, r)
		return
	}
	body, err := readJSONBody(w, r, maxReportBody)
	if err != nil {
		s.writeUploadError(w, r, err)
		return
	}
	var req struct {
		Kind    string `json:"kind"`
		Note    string `json:"note"`
		Website string `json:"website"` // the honeypot: hidden from people
		// The proof of work (pow.go): a challenge of GET /api/v1/reports/challenge and what
		// solves it.
		Challenge string `json:"challenge"`
		PoW       string `json:"pow"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeError(w, r, badParam("body", `must be {"kind":"closed","note":"..."}`))
		return
	}
	if !store.ValidReportKind(req.Kind) {
		s.writeError(w, r, badParam("kind", "must be one of "+strings.Join(store.ReportKinds, ", ")))
		return
	}
	req.Note = strings.TrimSpace(req.Note)
	if !utf8.ValidString(req.Note) || strings.ContainsRune(req.Note, 0) {
		s.writeError(w, r, badParam("note", "must be text"))
		return
	}
	if utf8.RuneCountInString(req.Note) > maxNoteChars {
		s.writeError(w, r, badParam("note", fmt.Sprintf("is longer than %d characters", maxNoteChars)))
		return
	}
	pubID := chi.URLParam(r, "id")
	site, ok := s.source.Index().Site(pubID)
	var stored string
	if ok {
		if sids, can := s.source.(storedIDs); can {
			stored, ok = sids.StoredID(pubID)
		} else if !site.Confidential {
			stored = pubID
		} else {
			ok = false
		}
	}
	if !ok {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no site with ID " + strconv.Quote(truncate(pubID))})
		return
	}
	if !s.checkPoW(w, r, req.Challenge, req.PoW) {
		return
	}
	accepted := map[string]any{"status": "received"}
	if req.Website != "" {
		// A bot filled in the field people never see: answer as if kept, keep nothing.
		writeJSON(w, http.StatusAccepted, accepted)
		return
	}
	now := rp.Now().UTC()
	n, err := rp.Store.CountReports(r.Context(), stored, now.Add(-24*time.Hour))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if n >= rp.PerSitePerDay {
		w.Header().Set("Retry-After", "3600")
		writeProblem(w, r, problem{Status: http.StatusTooManyRequests,
			Detail: "this listing has had many reports today; its organisation has been told. Thank you"})
		return
	}
	rep := store.Report{ID: store.NewID("rep_"), OrganizationID: site.OrganizationID, SiteID: stored,
		Kind: req.Kind, Note: req.Note, CreatedAt: now}
	if req.Kind == "closed" && s.fresh.ClosedThreshold > 0 {
		rep.Reporter = rp.reporter(stored, r)
	}
	if err := rp.Store.AddReport(r.Context(), rep); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusAccepted, accepted)
}

// inboxSite is one site of the corrections inbox with its reports.
type inboxSite struct {
	SiteID  string         `json:"site_id"`
	Name    string         `json:"name,omitempty"`
	Status  aidmap.Status  `json:"status,omitempty"`
	Reports []store.Report `json:"reports"`
}

// handleInbox answers GET /api/v1/orgs/{org}/reports: the organisation's reports (open ones
// unless ?status= says accepted, dismissed or all), grouped by site, the site with the newest
// report first.
func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		reportsOff(w, r)
		return
	}
	org := chi.URLParam(r, "org")
	status := r.URL.Query().Get("status")
	switch status {
	case "":
		status = store.ReportOpen
	case store.ReportOpen, store.ReportAccepted, store.ReportDismissed:
	case "all":
		status = ""
	default:
		s.writeError(w, r, badParam("status", "must be open, accepted, dismissed or all"))
		return
	}
	limit, err := intParam(r, "limit", 500, 1, 5000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.reports.Store.Reports(r.Context(), org, status, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sites := []*inboxSite{}
	bySite := map[string]*inboxSite{}
	for _, rep := range list {
		g := bySite[rep.SiteID]
		if g == nil {
			g = &inboxSite{SiteID: rep.SiteID}
			if site, err := s.up.Store.Site(r.Context(), rep.SiteID); err == nil && site.OrganizationID == org {
				g.Name, g.Status = site.Name, site.Status
			} else if err != nil && !errors.Is(err, aidmap.ErrNotFound) {
				s.writeError(w, r, err)
				return
			}
			bySite[rep.SiteID] = g
			sites = append(sites, g)
		}
		g.Reports = append(g.Reports, rep)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, map[string]any{"sites": sites, "count": len(list)})
}

// handleResolveReport answers POST /api/v1/orgs/{org}/reports/{id}/accept and …/dismiss:
// the report is handled, by the request's token. Accepting does not change the site: the
// steward edits it (PATCH …/sites/{id}) with what the report says.
func (s *Server) handleResolveReport(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.reports == nil {
			reportsOff(w, r)
			return
		}
		rep, err := s.reports.Store.ResolveReport(r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id"),
			status, tokenFrom(r.Context()).ID, s.reports.Now().UTC())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, rep)
	}
}

// reporter returns the keyed hash that tells one sender's reports about one site from
// another's (store.Report.Reporter): HMAC-SHA256 of the site and the client address as the
// per-IP limit sees it (an IPv6 /64). Keyed per site, it cannot link one person's reports about
// two sites; the address itself is never kept.
func (rp *reports) reporter(siteID string, r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	m := hmac.New(sha256.New, rp.ReporterKey)
	m.Write([]byte(siteID))
	m.Write([]byte{0})
	m.Write([]byte(httprate.CanonicalizeIP(host)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// reportsOff answers the reports routes of a server without a reports store.
func reportsOff(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "reports are not enabled on this server"})
}

// reportsPerIP is the per-IP limit of reports an hour (0 when reports are off).
func (s *Server) reportsPerIP() int {
	if s.reports == nil {
		return 0
	}
	return s.reports.PerIPPerHour
}
