package web

import (
	"encoding/base64"
	"fmt"
	"iter"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/query"
)

// Query limits. They are part of the API and documented in the README.
const (
	defaultLimit = 100
	maxLimit     = query.MaxK
	maxRadiusM   = query.MaxRadiusM
	maxParamLen  = 1000
)

// singleParams refuses a request that gives a query parameter more than once
// (lat=49.2&lat=10): every parameter of the API takes one value (lists are comma-separated),
// and quietly taking the first of two is answering a question the client did not ask.
func (s *Server) singleParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if repeatedRaw(r.URL.RawQuery) {
			// Parse it properly only to name the parameter (escapes may hide or fake a repeat).
			if err := checkRepeated(r.URL.Query()); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// repeatedRaw reports whether a raw query string may give a parameter twice, without
// allocating: it compares the raw names, and says yes when one holds an escape ('%' or '+'),
// which the caller then decodes, and when there are more than fastQueryMax. A query has a
// handful of parameters, so comparing each name with those before it costs less than
// building url.Values.
func repeatedRaw(q string) bool {
	var seen [fastQueryMax]string
	n := 0
	for name := range rawParams(q) {
		if strings.ContainsAny(name, "%+;") {
			return true
		}
		if n == len(seen) {
			return true // many: the caller decodes them and looks
		}
		for _, s := range seen[:n] {
			if s == name {
				return true
			}
		}
		seen[n] = name
		n++
	}
	return false
}

// rawParams yields the name and value of each non-empty '&'-separated part of a raw query,
// as written (not decoded).
func rawParams(q string) iter.Seq2[string, string] {
	return func(yield func(name, value string) bool) {
		for q != "" {
			var part string
			part, q, _ = strings.Cut(q, "&")
			if part == "" {
				continue
			}
			name, value, _ := strings.Cut(part, "=")
			if !yield(name, value) {
				return
			}
		}
	}
}

// checkRepeated returns a *paramError naming the first parameter (in name order) given more
// than once.
func checkRepeated(q url.Values) error {
	var names []string
	for name, vs := range q {
		if len(vs) > 1 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return badParam(truncate(names[0]), fmt.Sprintf("is given %d times; give it once (a list is one value, comma-separated)", len(q[names[0]])))
}

// parseFloat reads a required finite number.
func parseFloat(q url.Values, name string) (float64, error) {
	raw := q.Get(name)
	if raw == "" {
		return 0, badParam(name, "is required")
	}
	if len(raw) > 64 {
		return 0, badParam(name, "is too long to be a number")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, badParam(name, fmt.Sprintf("%q is not a number", raw))
	}
	return v, nil
}

// parsePoint reads lat and lon in WGS84 degrees.
func parsePoint(q url.Values) (lat, lon float64, err error) {
	if lat, err = parseFloat(q, "lat"); err != nil {
		return 0, 0, err
	}
	if lat < -90 || lat > 90 {
		return 0, 0, badParam("lat", "must be between -90 and 90 degrees")
	}
	if lon, err = parseFloat(q, "lon"); err != nil {
		return 0, 0, err
	}
	if lon < -180 || lon > 180 {
		return 0, 0, badParam("lon", "must be between -180 and 180 degrees")
	}
	return lat, lon, nil
}

// parseLimit reads limit (default defaultLimit, 1..maxLimit).
func parseLimit(q url.Values) (int, error) {
	raw := q.Get("limit")
	if raw == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, badParam("limit", fmt.Sprintf("%q is not a whole number", truncate(raw)))
	}
	if n < 1 || n > maxLimit {
		return 0, badParam("limit", fmt.Sprintf("must be between 1 and %d", maxLimit))
	}
	return n, nil
}

// parseRadius reads radius_m in metres (0 < r <= maxRadiusM).
func parseRadius(q url.Values) (float64, error) {
	r, err := parseFloat(q, "radius_m")
	if err != nil {
		return 0, err
	}
	if r <= 0 || r > maxRadiusM {
		return 0, badParam("radius_m", fmt.Sprintf("must be more than 0 and at most %d metres", maxRadiusM))
	}
	return r, nil
}

// parseFilter reads category=slug,slug.
func parseFilter(q url.Values) (geo.Filter, error) {
	var f geo.Filter
	raw := q.Get("category")
	if raw == "" {
		return f, nil
	}
	if len(raw) > maxParamLen {
		return f, badParam("category", "is too long")
	}
	for _, part := range strings.Split(raw, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		c, err := aidmap.ParseCategory(part)
		if err != nil {
			return f, badParam("category", fmt.Sprintf("%q is not a known category; see /api/v1/categories", truncate(part)))
		}
		f.Categories |= aidmap.NewCategorySet(c)
	}
	return f, nil
}

// parseBBox reads bbox=minLon,minLat,maxLon,maxLat. minLon > maxLon crosses the antimeridian.
func parseBBox(raw string) (geo.BBox, error) {
	parts := strings.Split(raw, ",")
	if len(parts) != 4 {
		return geo.BBox{}, badParam("bbox", "must be four numbers: minLon,minLat,maxLon,maxLat")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return geo.BBox{}, badParam("bbox", fmt.Sprintf("%q is not a number", truncate(p)))
		}
		v[i] = f
	}
	b := geo.BBox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	switch {
	case b.MinLon < -180 || b.MinLon > 180 || b.MaxLon < -180 || b.MaxLon > 180:
		return b, badParam("bbox", "longitudes must be between -180 and 180")
	case b.MinLat < -90 || b.MinLat > 90 || b.MaxLat < -90 || b.MaxLat > 90:
		return b, badParam("bbox", "latitudes must be between -90 and 90")
	case b.MinLat > b.MaxLat:
		return b, badParam("bbox", "minLat is greater than maxLat; the order is minLon,minLat,maxLon,maxLat")
	}
	return b, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// cursor marks the last result of a page: results after it form the next page. Lists by
// distance resume after (distance, id); lists by bbox resume after id. It is opaque to clients.
type cursor struct {
	Distance float64
	ID       string
}

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatFloat(c.Distance, 'g', -1, 64) + "|" + c.ID))
}

func parseCursor(q url.Values) (cursor, bool, error) {
	raw := q.Get("cursor")
	if raw == "" {
		return cursor{}, false, nil
	}
	bad := badParam("cursor", "is not a cursor from a next link; start again without it")
	if len(raw) > 200 {
		return cursor{}, false, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return cursor{}, false, bad
	}
	d, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return cursor{}, false, bad
	}
	dist, err := strconv.ParseFloat(d, 64)
	if err != nil || math.IsNaN(dist) {
		return cursor{}, false, bad
	}
	return cursor{Distance: dist, ID: id}, true, nil
}

// listParams are the parameters every list endpoint takes.
type listParams struct {
	format string
	q      query.Query // limit and every filter; the handler adds where
	// incomplete says a filtered nearest query stopped at query.MaxRead sites read.
	incomplete bool
	// now says hours are evaluated at the time of the request (no open_at): only such
	// evaluations are kept for the next requests (appendOpenMemo), so that one asking about
	// next year does not displace today's.
	now bool
}

func parseListParams(q url.Values) (listParams, error) {
	var (
		lp  listParams
		err error
	)
	limit, err := parseLimit(q)
	if err != nil {
		return lp, err
	}
	f, err := parseFilter(q)
	if err != nil {
		return lp, err
	}
	now := time.Now()
	if lp.q, err = parseSiteQuery(q, now); err != nil {
		return lp, err
	}
	lp.now = lp.q.When == query.OpenAt{Time: now}
	lp.q.K, lp.q.Categories = limit, f.Categories
	lp.format, err = outputFormat(q)
	return lp, err
}

// outputFormat reads format=json|geojson|csv|ndjson (csv and ndjson: see export.go).
func outputFormat(q url.Values) (string, error) {
	switch f := q.Get("format"); f {
	case "", "json":
		return "json", nil
	case "geojson", "csv", "ndjson":
		return f, nil
	default:
		return "", badParam("format", fmt.Sprintf("%q is not supported; use json, geojson, csv or ndjson", truncate(f)))
	}
}

// queryParams are a request's query parameters as url.ParseQuery reads them, in memory reused
// from request to request: r.URL.Query() builds a map and a slice per parameter for each one,
// and the list endpoints are the hot path. Release them when the map is no longer used (the
// strings in it may be kept: they are the request's own).
type queryParams struct {
	v    url.Values
	vals []string // backing of the values' one-element slices
}

var queryPool = sync.Pool{New: func() any { return &queryParams{v: make(url.Values, 8)} }}

// fastQueryMax is the most parameters parseQuery reads itself; a query of more goes through
// url.ParseQuery (which also applies the GODEBUG limit on their number).
const fastQueryMax = 16

// parseQuery returns r's query parameters, as r.URL.Query() gives them.
func parseQuery(r *http.Request) *queryParams {
	raw := r.URL.RawQuery
	qp := queryPool.Get().(*queryParams)
	if strings.ContainsAny(raw, "%+;") || strings.Count(raw, "&") >= fastQueryMax {
		// Escapes to decode or separators to refuse: as the standard library does it.
		qp.v = r.URL.Query()
		return qp
	}
	// Without '%', '+' and ';', url.ParseQuery only cuts: every name and value stands as is.
	for key, value := range rawParams(raw) {
		if old := qp.v[key]; len(old) > 0 {
			qp.v[key] = append(old, value) // a repeat: old's capacity is 1, so this copies
			continue
		}
		qp.vals = append(qp.vals, value)
		n := len(qp.vals)
		qp.v[key] = qp.vals[n-1 : n : n]
	}
	return qp
}

// release returns qp's memory for another request.
func (qp *queryParams) release() {
	if len(qp.v) > fastQueryMax {
		return // url.ParseQuery's map of many: let it go
	}
	clear(qp.v)
	clear(qp.vals)
	qp.vals = qp.vals[:0]
	queryPool.Put(qp)
}
