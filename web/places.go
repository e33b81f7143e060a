package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/place"
	"github.com/aidmap/aidmap/query"
	"github.com/aidmap/aidmap/store"
)

// The place view (#19): records of several providers that describe one place, one entry
// with every provider's site under it. Places are computed here from the index's public
// sites (so a confidential site, in its public form, is never linked: place refuses) and
// the stewards' decisions in the store, never stored themselves.

// swapNotifier is a Source that says which sites each new snapshot changed
// (feed.Follower.OnSwap): the place view then links only those (10k against 1M in a
// fraction of a second) instead of matching all sites again.
type swapNotifier interface {
	OnSwap(fn func(ix *geo.Index, changed []aidmap.Site))
}

type placeSwap struct {
	ix      *geo.Index
	changed []aidmap.Site // nil: a full load
}

type placeSnap struct {
	ix     *geo.Index
	places *place.Places
	at     time.Time // when the decisions were read
	gen    int64     // changes whenever places are made again (the site tiles' cache key)
}

// placeGen numbers the places made, for placeSnap.gen.
var placeGen atomic.Int64

// peek returns the last places made without waiting, and starts making them when the index
// moved on or none were made yet: the site tiles draw places from it, and a tile must never
// wait for a full match (seconds on 1M sites). nil until the first places are made.
func (pv *placeView) peek() *placeSnap {
	sn := pv.snap.Load()
	if sn == nil || sn.ix != pv.src.Index() || pv.dirty.Load() || time.Since(sn.at) >= pv.ttl {
		if pv.peeking.CompareAndSwap(false, true) {
			go func() {
				defer pv.peeking.Store(false)
				_, _ = pv.current(context.Background())
			}()
		}
	}
	return sn
}

// marks returns the last places made, for the stacked marks of the site lists and exports
// (nil: none made yet, nothing marked). Unlike peek it never starts making them: a list
// request must not start a full match (seconds on 1M sites) on a server nothing else asked
// for places; the feed's swaps (OnSwap), the tiles and the place view keep them made.
func (pv *placeView) marks() *place.Places {
	if sn := pv.snap.Load(); sn != nil {
		return sn.places
	}
	return nil
}

// decisionsTTL is how long places go without reading the decisions again: a steward's
// decision on another replica shows here within it (one on this replica, at once).
const decisionsTTL = 30 * time.Second

// decisions reads the stored decisions (none without a store that keeps them).
func (pv *placeView) decisions(ctx context.Context) ([]store.PlaceDecision, error) {
	if pv.dec == nil {
		return nil, nil
	}
	ds, err := pv.dec.PlaceDecisions(ctx)
	if err != nil {
		return nil, fmt.Errorf("place decisions: %w", err)
	}
	return ds, nil
}

type placeView struct {
	src Source
	dec store.PlaceDecisions // nil: decisions are not stored

	mu       sync.Mutex // guards what follows
	g        *place.Graph
	built    *geo.Index // the snapshot g reflects; nil: none yet
	pending  []placeSwap
	ttl      time.Duration         // decisionsTTL (tests: 0)
	notified bool                  // src reports its swaps
	decided  []store.PlaceDecision // the decisions the last places were made with

	dirty      atomic.Bool // a swap queued or a decision taken since snap
	rebuilding atomic.Bool // a full match runs
	peeking    atomic.Bool // peek has places made in the background
	snap       atomic.Pointer[placeSnap]
}

func newPlaceView(src Source, st any) *placeView {
	pv := &placeView{src: src, ttl: decisionsTTL}
	pv.dec, _ = st.(store.PlaceDecisions)
	if n, ok := src.(swapNotifier); ok {
		pv.notified = true
		n.OnSwap(func(ix *geo.Index, changed []aidmap.Site) {
			pv.mu.Lock()
			if changed == nil {
				pv.pending = pv.pending[:0]
			}
			pv.pending = append(pv.pending, placeSwap{ix, changed})
			pv.dirty.Store(true)
			pv.mu.Unlock()
			// Linked in the background, so the first request after an upload seldom waits.
			go pv.current(context.Background())
		})
	}
	return pv
}

// current returns the places of the index as the source has it now, or, while a full match
// runs (1M sites take seconds), the last ones made: an upload's incremental linking is
// waited for, so a steward sees their decision at once.
func (pv *placeView) current(ctx context.Context) (*placeSnap, error) {
	sn := pv.snap.Load()
	if sn != nil && sn.ix == pv.src.Index() && !pv.dirty.Load() && time.Since(sn.at) < pv.ttl {
		return sn, nil
	}
	if sn != nil && pv.rebuilding.Load() {
		return sn, nil
	}
	pv.mu.Lock()
	defer pv.mu.Unlock()
	sn = pv.snap.Load()
	if sn != nil && sn.ix == pv.src.Index() && !pv.dirty.Load() {
		if time.Since(sn.at) < pv.ttl {
			return sn, nil
		}
		// Only the decisions may have changed (on another replica): places are made again
		// only if they did.
		ds, err := pv.decisions(ctx)
		if err != nil {
			return nil, err
		}
		if slices.Equal(ds, pv.decided) {
			next := *sn
			next.at = time.Now()
			pv.snap.Store(&next)
			return &next, nil
		}
	}
	pv.dirty.Store(false)
	for _, sw := range pv.pending {
		if sw.changed == nil || pv.g == nil { // a Load, or the first swap seen
			pv.rebuild(sw.ix)
		} else {
			pv.g.Update(sw.changed)
			pv.built = sw.ix
		}
	}
	pv.pending = pv.pending[:0]
	if ix := pv.src.Index(); pv.built != ix && (!pv.notified || pv.built == nil) {
		pv.rebuild(ix) // a source that does not report its swaps: match everything again
	}
	ds, err := pv.decisions(ctx)
	if err != nil {
		pv.dirty.Store(true)
		return nil, err
	}
	decs := make([]place.Decision, 0, len(ds))
	for _, d := range ds {
		decs = append(decs, place.Decision{A: d.SiteA, B: d.SiteB, Confirmed: d.Decision == store.DecisionConfirmed})
	}
	pv.g.SetDecisions(decs) // all of them: one withdrawn since is gone
	pv.decided = ds
	sn = &placeSnap{ix: pv.built, places: pv.g.Places(), at: time.Now(), gen: placeGen.Add(1)}
	pv.snap.Store(sn)
	return sn, nil
}

// rebuild brings the places to every site of ix: afresh the first time, after that (the
// feed's reloads) matching again only the sites that changed (place.Graph.Diff).
func (pv *placeView) rebuild(ix *geo.Index) {
	pv.rebuilding.Store(true)
	defer pv.rebuilding.Store(false)
	world := geo.BBox{MinLon: -180, MinLat: -90, MaxLon: 180, MaxLat: 90}
	if pv.g != nil {
		each, done := pv.g.Diff()
		ix.VisitBBox(world, geo.Filter{}, func(h geo.Hit) { each(h.Site()) })
		pv.g.Update(done())
		pv.built = ix
		return
	}
	var sites []aidmap.Site
	ix.VisitBBox(world, geo.Filter{}, func(h geo.Hit) {
		sites = append(sites, *h.Site())
	})
	pv.g = place.NewGraph(place.Options{})
	pv.g.Update(sites)
	pv.built = ix
}

// appendPlaceJSON appends a place: its ID, how many providers, and each site as the site
// view has it; with match, only the sites it accepts and their providers (nil: all).
func (s *Server) appendPlaceJSON(b []byte, sn *placeSnap, pid string, dist map[string]float64, match func(*aidmap.Site) bool) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, pid)
	b = append(b, `,"sites":[`...)
	orgs := map[string]bool{}
	n := 0
	for _, id := range sn.places.Members(pid) {
		site, ok := sn.ix.Site(id)
		if !ok || match != nil && !match(site) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		orgs[site.OrganizationID] = true
		v := siteView{site: site, stale: s.staleOf(site), stacked: sn.places.Approximate(id)}
		v.dist, v.hasDist = dist[id]
		v.org, _ = s.source.Organization(site.OrganizationID)
		b = appendSiteJSON(b, v)
	}
	b = append(b, `],"providers":`...)
	b = strconv.AppendInt(b, int64(len(orgs)), 10)
	return append(b, '}')
}

// handleNearestPlaces lists the places nearest a point: one entry per place, the nearest of
// its sites deciding its rank. The site list's filters (category, lang, open_now/open_at,
// status, free, wheelchair, q, ...) choose the places: a place is listed when one of its
// sites matches, with the sites that match and their number of providers. Someone looking
// for food at a building of three providers, one of them a food bank, wants the food bank,
// not a shelter's beds listed under a food filter; GET /api/v1/places/{id} gives them all.
func (s *Server) handleNearestPlaces(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	lat, lon, err := parsePoint(v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 10, 1, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := parseFilter(v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := parseSiteQuery(v, time.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Places of several sites take several hits: ask for more than limit.
	q.Lat, q.Lon, q.K, q.Categories = lat, lon, min(limit*4, 400), f.Categories
	if err := q.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	sn, err := s.places.current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hits := query.Nearest(sn.ix, &q).Hits
	m := q.Matcher()
	match := func(site *aidmap.Site) bool { _, ok := m.Match(site); return ok }
	dist := map[string]float64{}
	var order []string
	for _, h := range hits {
		site := h.Site()
		dist[site.ID] = h.DistanceM
		pid := sn.places.Of(site.ID)
		if _, seen := dist[pid+"\x00"]; !seen && len(order) < limit {
			dist[pid+"\x00"] = 0
			order = append(order, pid)
		}
	}
	b := []byte(`{"places":[`)
	for i, pid := range order {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendPlaceJSON(b, sn, pid, dist, match)
	}
	b = append(b, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// handleGetPlace answers one place by its ID or the ID of any of its sites.
func (s *Server) handleGetPlace(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	sn, err := s.places.current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pid := sn.places.Of(id)
	if _, ok := sn.ix.Site(pid); !ok {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no place with ID " + strconv.Quote(truncate(id))})
		return
	}
	b := s.appendPlaceJSON(nil, sn, pid, nil, nil)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// placePair is a link or a review candidate as stewards see it.
type placePair struct {
	A        placeSide `json:"a"`
	B        placeSide `json:"b"`
	Score    float64   `json:"score"`
	Linked   bool      `json:"linked"`
	Decision string    `json:"decision,omitempty"`
}

type placeSide struct {
	ID             string         `json:"id"`
	OrganizationID string         `json:"organization_id"`
	Name           string         `json:"name"`
	Address        aidmap.Address `json:"address"`
}

// handlePlaceReview lists the links and review candidates with a site of the organisation.
func (s *Server) handlePlaceReview(w http.ResponseWriter, r *http.Request) {
	org := chi.URLParam(r, "org")
	sn, err := s.places.current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.places.mu.Lock()
	infos := s.places.g.Pairs(sn.places, org)
	s.places.mu.Unlock()
	side := func(id string) (placeSide, bool) {
		site, ok := sn.ix.Site(id)
		if !ok {
			return placeSide{}, false
		}
		return placeSide{ID: id, OrganizationID: site.OrganizationID, Name: site.Name, Address: site.Address}, true
	}
	out := []placePair{}
	for _, p := range infos {
		a, okA := side(p.A)
		b, okB := side(p.B)
		if okA && okB {
			out = append(out, placePair{A: a, B: b, Score: p.Score, Linked: p.Linked, Decision: p.Decision})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"pairs": out})
}

// handlePlaceLink records a steward's decision on a pair: confirmed (one place) or split
// (never one place), or withdraws it (withdrawn). The caller's organisation must own one of
// the two sites.
func (s *Server) handlePlaceLink(w http.ResponseWriter, r *http.Request) {
	if s.places.dec == nil {
		writeProblem(w, r, problem{Status: http.StatusNotImplemented, Detail: "this store does not keep place decisions"})
		return
	}
	var body struct {
		A        string `json:"a"`
		B        string `json:"b"`
		Decision string `json:"decision"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&body); err != nil {
		s.writeError(w, r, fmt.Errorf("body: want {\"a\": site ID, \"b\": site ID, \"decision\": \"confirmed\", \"split\" or \"withdrawn\"}: %w", aidmap.ErrInvalid))
		return
	}
	tok := tokenFrom(r.Context())
	d := store.PlaceDecision{SiteA: body.A, SiteB: body.B, Decision: body.Decision,
		OrganizationID: chi.URLParam(r, "org"), TokenID: tok.ID, DecidedAt: s.up.now().UTC()}
	var err error
	if body.Decision == "withdrawn" {
		// The steward takes back a confirm or a split: the matcher alone decides again.
		err = s.places.dec.DeletePlaceDecision(r.Context(), d.OrganizationID, d.SiteA, d.SiteB)
	} else {
		err = s.places.dec.PutPlaceDecision(r.Context(), d)
	}
	if err != nil {
		if errors.Is(err, aidmap.ErrForbidden) {
			err = fmt.Errorf("the organisation owns neither site; each organisation decides only on links of its own sites: %w", aidmap.ErrForbidden)
		}
		s.writeError(w, r, err)
		return
	}
	s.places.dirty.Store(true)
	writeJSON(w, http.StatusOK, map[string]any{"a": body.A, "b": body.B, "decision": body.Decision})
}
