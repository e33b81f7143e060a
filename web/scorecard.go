package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// The feed-quality scorecard: per organisation, how many of its published sites were verified
// in the last 90 days, have hours a machine can read, a phone, a position on the street or
// better, and a fresh live capacity, and how many reports about them are open. Open JSON for
// the deployment's coordinators (GET /api/v1/scorecard, GET /api/v1/orgs/{org}/scorecard,
// no token) and a card on /manage.
//
// It is counts only, never a site, an ID or a position, so confidential sites are counted
// like any other (docs/confidential.md, "Scorecards"). It is computed from the store, not the
// index: the index holds confidential sites only in their public form (always "locality") and
// not the sites hidden by --hide-after, which are exactly the ones a scorecard must count.
// One pass over the store makes every organisation's card; it is kept for scorecardMaxAge,
// or scorecardMinAge once the store has changed, so any number of requests cost at most one
// pass that often.

const (
	scorecardMaxAge   = time.Minute     // a card is made again after this, changed or not (the 90 days move)
	scorecardMinAge   = 5 * time.Second // and not sooner than this when the store changed
	scorecardMaxOpen  = 10_000          // open reports counted per organisation
	scorecardCacheKey = "public, max-age=60"
)

// scorecards holds the last pass's cards.
type scorecards struct {
	mu      sync.Mutex
	at      time.Time // when the pass ran; zero: never
	version int64     // the store version it reflects
	cards   []scorecardJSON
	byOrg   map[string]int // index in cards
}

// scorecardJSON is one organisation's card as the API gives it.
type scorecardJSON struct {
	OrganizationID string    `json:"organization_id"`
	Name           string    `json:"name,omitempty"`
	Sites          int       `json:"sites"`
	Verified       share     `json:"verified_90d"`
	HoursKnown     share     `json:"hours_known"`
	Phone          share     `json:"phone"`
	StreetOrBetter share     `json:"street_or_better"`
	CapacityFresh  share     `json:"capacity_fresh"`
	Capacity       int       `json:"capacity_sites"` // sites that ever set one (fresh or not)
	OpenReports    *int      `json:"open_reports,omitempty"`
	ComputedAt     time.Time `json:"computed_at"`
}

// share is a count of sites and its share of the organisation's sites.
type share struct {
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

// scorecardCards returns every organisation's card, from the last pass while it is young
// enough.
func (s *Server) scorecardCards(ctx context.Context) ([]scorecardJSON, map[string]int, error) {
	sc := &s.scores
	sc.mu.Lock()
	defer sc.mu.Unlock()
	now := s.fresh.now()
	age := now.Sub(sc.at)
	if !sc.at.IsZero() && age < scorecardMaxAge && (age < scorecardMinAge || s.source.Index().Version() <= sc.version) {
		return sc.cards, sc.byOrg, nil
	}
	cards, version, err := computeScorecards(ctx, s.up.Store, s.reportStore(), now, s.fresh.CapacityTTL)
	if err != nil {
		return nil, nil, err
	}
	sc.at, sc.version, sc.cards = now, version, cards
	sc.byOrg = make(map[string]int, len(cards))
	for i, c := range cards {
		sc.byOrg[c.OrganizationID] = i
	}
	return sc.cards, sc.byOrg, nil
}

// reportStore is the store of reports, nil when reports are off.
func (s *Server) reportStore() store.Reports {
	if s.reports == nil {
		return nil
	}
	return s.reports.Store
}

// computeScorecards makes every organisation's card at now in one pass over the store's
// sites, with the open reports of each from rs (left out when nil). It returns the store
// version the pass reflects.
func computeScorecards(ctx context.Context, st store.Store, rs store.Reports, now time.Time, ttl time.Duration) ([]scorecardJSON, int64, error) {
	orgs, err := st.Organizations(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("scorecard: organisations: %w", err)
	}
	tally := make(map[string]*aidmap.Scorecard, len(orgs))
	for _, o := range orgs {
		tally[o.ID] = &aidmap.Scorecard{OrganizationID: o.ID}
	}
	version, err := st.EachSite(ctx, func(site aidmap.Site) error {
		if c := tally[site.OrganizationID]; c != nil {
			c.Add(&site, now, ttl)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("scorecard: sites: %w", err)
	}
	cards := make([]scorecardJSON, 0, len(orgs))
	for _, o := range orgs {
		c := tally[o.ID]
		card := scorecardJSON{
			OrganizationID: o.ID, Name: o.Name, Sites: c.Sites,
			Verified:       share{c.Verified, c.Share(c.Verified)},
			HoursKnown:     share{c.HoursKnown, c.Share(c.HoursKnown)},
			Phone:          share{c.Phone, c.Share(c.Phone)},
			StreetOrBetter: share{c.StreetOrBetter, c.Share(c.StreetOrBetter)},
			CapacityFresh:  share{c.CapacityFresh, c.Share(c.CapacityFresh)},
			Capacity:       c.Capacity,
			ComputedAt:     now.UTC().Truncate(time.Second),
		}
		if rs != nil {
			open, err := rs.Reports(ctx, o.ID, store.ReportOpen, scorecardMaxOpen)
			if err != nil {
				return nil, 0, fmt.Errorf("scorecard: open reports of %s: %w", o.ID, err)
			}
			n := len(open)
			card.OpenReports = &n
		}
		cards = append(cards, card)
	}
	return cards, version, nil
}

// handleScorecards answers GET /api/v1/scorecard: every organisation's card, by ID.
func (s *Server) handleScorecards(w http.ResponseWriter, r *http.Request) {
	if s.up == nil {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "this server publishes no organisations' scorecards"})
		return
	}
	cards, _, err := s.scorecardCards(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", scorecardCacheKey)
	writeJSON(w, http.StatusOK, map[string]any{"organizations": cards, "count": len(cards)})
}

// handleScorecard answers GET /api/v1/orgs/{org}/scorecard: one organisation's card (404 for
// an unknown organisation).
func (s *Server) handleScorecard(w http.ResponseWriter, r *http.Request) {
	if s.up == nil {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "this server publishes no organisations' scorecards"})
		return
	}
	org := chi.URLParam(r, "org")
	cards, byOrg, err := s.scorecardCards(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	i, ok := byOrg[org]
	if !ok {
		s.writeError(w, r, fmt.Errorf("no organisation %s: %w", strconv.Quote(truncate(org)), aidmap.ErrNotFound))
		return
	}
	w.Header().Set("Cache-Control", scorecardCacheKey)
	writeJSON(w, http.StatusOK, cards[i])
}
