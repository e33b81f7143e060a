// Package place finds records that describe the same place: sites of several providers (or
// several services of one organisation) at one building become one place. It is
// transport-free and store-free; ingest, the store and web build on it (issue #19).
//
// Candidates are records within Options.Radius metres of each other (a grid on the sphere,
// not all pairs) or with the same normalised street and postcode. Each candidate pair is
// scored (Score); pairs at or above Options.Link are joined into places by union-find, pairs
// between Options.Review and Options.Link are reported for a steward to confirm or split.
// Confidential sites are never linked: a link would tell the public where they are.
package place

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode/addr"
)

// Options tunes the matcher. The zero value means the defaults below.
type Options struct {
	Radius   float64 // metres within which two records are candidates; default 40
	Link     float64 // score at or above which a pair is one place; default 0.75
	Review   float64 // score at or above which a pair is flagged for review; default 0.5
	StackMin int     // records at one point that make it suspect; default 8
}

func (o Options) withDefaults() Options {
	if o.Radius <= 0 {
		o.Radius = 40
	}
	if o.Link <= 0 {
		o.Link = 0.75
	}
	if o.Review <= 0 {
		o.Review = 0.5
	}
	if o.StackMin <= 0 {
		o.StackMin = 8
	}
	return o
}

// Pair is two records (indexes into the matched slice, A < B) and their score.
type Pair struct {
	A, B  int
	Score float64
}

// Result is what Match found.
type Result struct {
	// Places holds each place's records (indexes, ascending), places ordered by their first
	// record; a record linked to nothing is a place of its own.
	Places [][]int
	// Links are the pairs that made the places; Review the pairs a steward should look at.
	Links, Review []Pair
	// Approximate marks records at a stacked point: many unrelated records at one
	// coordinate, likely a locality or postcode centroid or a geocoder's fallback, not a
	// building. Proximity alone never links records there.
	Approximate []bool
}

const earthRadius = 6371008.8 // metres, the mean radius

// record is a site reduced to what matching compares.
type record struct {
	lat, lon     float64
	org          string
	tokens       []string // normalised name tokens, sorted, unique
	phone, host  string
	addrKey      string
	street       string // folded street, for stacked points
	cats         []aidmap.Category
	confidential bool
}

func newRecord(s aidmap.Site) record {
	r := record{lat: s.Lat, lon: s.Lon, org: s.OrganizationID, tokens: NameTokens(s.Name),
		phone: Phone(s.Phone), host: Host(s.Website), cats: s.Categories, confidential: s.Confidential}
	street, pc := addr.Fold(s.Address.Street), strings.ReplaceAll(addr.Fold(s.Address.PostalCode), " ", "")
	r.street = street
	if street != "" && pc != "" {
		r.addrKey = street + "|" + pc
	}
	return r
}

// Matcher holds records indexed for candidate search; Add more records at any time (an
// upload against what is already there) and Match links the lot.
type Matcher struct {
	opt   Options
	recs  []record
	grid  map[cell][]int32
	addrs map[string][]int32
	at    map[[2]int64][]int32 // records by point, to about 1 m, for stacked points
	// crowded holds the points of at with at least StackMin records (a few), so stacked
	// points are judged without walking every point.
	crowded map[[2]int64]bool
	dlat    float64 // grid row height in degrees
}

type cell struct{ row, col int32 }

// New returns an empty Matcher.
func New(opt Options) *Matcher {
	opt = opt.withDefaults()
	return &Matcher{opt: opt, grid: map[cell][]int32{}, addrs: map[string][]int32{},
		at: map[[2]int64][]int32{}, crowded: map[[2]int64]bool{}, dlat: opt.Radius / earthRadius * 180 / math.Pi}
}

// rowWidth is a grid row's cell width in degrees of longitude: at least Radius metres even at
// the row's pole-ward edge, so a neighbour within Radius is in the same or an adjacent cell.
func (m *Matcher) rowWidth(row int32) float64 {
	// One more row of margin: the neighbour may lie in the next row pole-ward.
	edge := math.Max(math.Abs(float64(row)*m.dlat), math.Abs(float64(row+1)*m.dlat)) + m.dlat
	c := math.Cos(math.Min(edge, 89.9) * math.Pi / 180)
	return math.Min(m.dlat/c, 360)
}

func (m *Matcher) cellOf(lat, lon float64, row int32) cell {
	return cell{row, int32(math.Floor((lon + 180) / m.rowWidth(row)))}
}

// Add indexes sites; their indexes continue after those already added.
func (m *Matcher) Add(sites []aidmap.Site) {
	// Grown once: appending 1M records of this size one by one copied them ~20 times.
	m.recs = slices.Grow(m.recs, len(sites))
	for _, s := range sites {
		i := int32(len(m.recs))
		r := newRecord(s)
		m.recs = append(m.recs, r)
		row := int32(math.Floor(r.lat / m.dlat))
		c := m.cellOf(r.lat, r.lon, row)
		m.grid[c] = append(m.grid[c], i)
		if r.addrKey != "" {
			m.addrs[r.addrKey] = append(m.addrs[r.addrKey], i)
		}
		k := pointKey(r.lat, r.lon)
		m.at[k] = append(m.at[k], i)
		if len(m.at[k]) >= m.opt.StackMin {
			m.crowded[k] = true
		}
	}
}

func pointKey(lat, lon float64) [2]int64 {
	return [2]int64{int64(math.Round(lat * 1e5)), int64(math.Round(lon * 1e5))}
}

// candidates calls fn for every record j > i or j < from that is near i or shares its
// address: with i ≥ from, each pair among the new records once and each new-old pair once.
func (m *Matcher) candidates(i int, from int, fn func(j int)) {
	r := m.recs[i]
	want := func(j int) bool { return j > i || j < from }
	row := int32(math.Floor(r.lat / m.dlat))
	for dr := int32(-1); dr <= 1; dr++ {
		c := m.cellOf(r.lat, r.lon, row+dr)
		for dc := int32(-1); dc <= 1; dc++ {
			for _, j := range m.grid[cell{c.row, c.col + dc}] {
				o := m.recs[j]
				if want(int(j)) && distance(r.lat, r.lon, o.lat, o.lon) <= m.opt.Radius {
					fn(int(j))
				}
			}
		}
	}
	if r.addrKey != "" {
		for _, j := range m.addrs[r.addrKey] {
			o := m.recs[j]
			// Those within Radius came from the grid already.
			if want(int(j)) && distance(r.lat, r.lon, o.lat, o.lon) > m.opt.Radius {
				fn(int(j))
			}
		}
	}
}

// Match links all records added so far.
func (m *Matcher) Match() Result { return m.match(0) }

// MatchFrom links only the records added from index from on against all records: the
// incremental step of an upload. Links and Review hold only pairs with a new record, and
// Places hold the new records and the old ones linked to them, made of these links alone
// (the caller merges them with the links it stored);
// Approximate is judged only around the new records.
func (m *Matcher) MatchFrom(from int) Result { return m.match(from) }

func (m *Matcher) match(from int) Result {
	n := len(m.recs)
	res := Result{Approximate: m.stacked(from)}
	uf := newUnionFind(n)
	start := from
	for i := start; i < n; i++ {
		m.candidates(i, from, func(j int) {
			a, b := min(i, j), max(i, j)
			ra, rb := m.recs[a], m.recs[b]
			if ra.confidential || rb.confidential {
				return // a link would reveal where a confidential site is
			}
			sameAddr := ra.addrKey != "" && ra.addrKey == rb.addrKey
			if (res.Approximate[a] || res.Approximate[b]) && !sameAddr {
				return // a stacked point says nothing about the building
			}
			var s float64
			if ra.org == rb.org && ra.org != "" && (sameAddr || distance(ra.lat, ra.lon, rb.lat, rb.lon) < 1) {
				s = 1 // one organisation's services at one address: one place
			} else {
				s = score(ra, rb)
			}
			switch p := (Pair{a, b, s}); {
			case s >= m.opt.Link:
				res.Links = append(res.Links, p)
				uf.union(a, b)
			case s >= m.opt.Review:
				res.Review = append(res.Review, p)
			}
		})
	}
	byRoot := map[int]int{}
	// Matching from an index on, places hold the new records and the old ones linked to
	// them: walking all n records would cost an upload of 10k against 1M most of its time.
	var linkedOld []int
	if from > 0 {
		old := map[int]bool{}
		for _, p := range res.Links {
			if p.A < from {
				old[p.A] = true
			}
		}
		linkedOld = slices.Sorted(maps.Keys(old))
	}
	add := func(i int) {
		r := uf.find(i)
		k, ok := byRoot[r]
		if !ok {
			k = len(res.Places)
			byRoot[r] = k
			res.Places = append(res.Places, nil)
		}
		res.Places[k] = append(res.Places[k], i)
	}
	for _, i := range linkedOld {
		add(i)
	}
	for i := from; i < n; i++ {
		add(i)
	}
	sortPairs(res.Links)
	sortPairs(res.Review)
	return res
}

func sortPairs(p []Pair) {
	slices.SortFunc(p, func(x, y Pair) int {
		if x.A != y.A {
			return x.A - y.A
		}
		return x.B - y.B
	})
}

// Match links sites with the given options: the one-shot form of New, Add and Match.
func Match(sites []aidmap.Site, opt Options) Result {
	m := New(opt)
	m.Add(sites)
	return m.Match()
}

// stacked marks the records at points (to about 1 m) holding at least StackMin records that
// are unrelated: from at least three organisations, or with a low average name similarity.
// Only points of records from index from on are judged (all, from 0), and their candidates:
// a record linked from there lies within Radius, so its point is judged too.
func (m *Matcher) stacked(from int) []bool {
	out := make([]bool, len(m.recs))
	judged := map[[2]int64]bool{}
	judge := func(i int) {
		k := pointKey(m.recs[i].lat, m.recs[i].lon)
		if judged[k] {
			return
		}
		judged[k] = true
		m.judge(m.at[k], out)
	}
	for i := from; i < len(m.recs); i++ {
		judge(i)
		if from > 0 {
			m.candidates(i, from, judge)
		}
	}
	return out
}

// judge marks the records at one point approximate when they are at least StackMin and
// unrelated: from at least three organisations, or with an average name similarity (over
// the first 32) under 0.3. Records that nearly all (nine in ten) give one street address are
// many services at one address (a 211 site's programs, a community hub), not a centroid
// standing in for a town: a centroid gathers records of many streets, or of none.
func (m *Matcher) judge(idx []int32, out []bool) {
	if len(idx) < m.opt.StackMin {
		return
	}
	streets := map[string]int{}
	for _, i := range idx {
		if st := m.recs[i].street; st != "" {
			streets[st]++
			if streets[st]*10 >= len(idx)*9 {
				return
			}
		}
	}
	orgs := map[string]bool{}
	for _, i := range idx {
		orgs[m.recs[i].org] = true
	}
	unrelated := len(orgs) >= 3
	if !unrelated {
		var sum float64
		var pairs int
		for x := 0; x < len(idx) && x < 32; x++ {
			for y := x + 1; y < len(idx) && y < 32; y++ {
				sum += nameSim(m.recs[idx[x]].tokens, m.recs[idx[y]].tokens)
				pairs++
			}
		}
		unrelated = sum/float64(pairs) < 0.3
	}
	if unrelated {
		for _, i := range idx {
			out[i] = true
		}
	}
}

// distance is the haversine distance in metres.
func distance(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * earthRadius * math.Asin(math.Sqrt(math.Min(1, h)))
}

type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

// union keeps the smaller root, so places do not depend on the order links arrive in.
func (u unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra < rb {
		u[rb] = ra
	} else if rb < ra {
		u[ra] = rb
	}
}

// truncate forgets the records from index n on (a benchmark's way to re-run an upload).
func (m *Matcher) truncate(n int) {
	drop := func(idx []int32) []int32 {
		out := idx[:0]
		for _, i := range idx {
			if int(i) < n {
				out = append(out, i)
			}
		}
		return out
	}
	for k, v := range m.grid {
		if len(v) > 0 && int(v[len(v)-1]) >= n {
			m.grid[k] = drop(v)
		}
	}
	for k, v := range m.addrs {
		if len(v) > 0 && int(v[len(v)-1]) >= n {
			m.addrs[k] = drop(v)
		}
	}
	for k, v := range m.at {
		if len(v) > 0 && int(v[len(v)-1]) >= n {
			m.at[k] = drop(v)
		}
	}
	m.recs = m.recs[:n]
}

// renumber replaces the records with recs, record i becoming to[i] (-1: gone, and no longer
// in any index): Graph's compaction.
func (m *Matcher) renumber(recs []record, to []int32) {
	move := func(idx []int32) []int32 {
		out := idx[:0]
		for _, i := range idx {
			if n := to[i]; n >= 0 {
				out = append(out, n)
			}
		}
		return out
	}
	for k, v := range m.grid {
		if m.grid[k] = move(v); len(m.grid[k]) == 0 {
			delete(m.grid, k)
		}
	}
	for k, v := range m.addrs {
		if m.addrs[k] = move(v); len(m.addrs[k]) == 0 {
			delete(m.addrs, k)
		}
	}
	for k, v := range m.at {
		if m.at[k] = move(v); len(m.at[k]) == 0 {
			delete(m.at, k)
		}
	}
	m.recs = recs
}

// remove takes record i out of candidate search: it is never a candidate again (Graph's
// changed or retired sites). Its slot stays, so indexes do not move.
func (m *Matcher) remove(i int) {
	r := m.recs[i]
	drop := func(idx []int32) []int32 {
		return slices.DeleteFunc(idx, func(j int32) bool { return int(j) == i })
	}
	row := int32(math.Floor(r.lat / m.dlat))
	c := m.cellOf(r.lat, r.lon, row)
	m.grid[c] = drop(m.grid[c])
	if r.addrKey != "" {
		m.addrs[r.addrKey] = drop(m.addrs[r.addrKey])
	}
	k := pointKey(r.lat, r.lon)
	m.at[k] = drop(m.at[k])
	if len(m.at[k]) < m.opt.StackMin {
		delete(m.crowded, k)
	}
	m.recs[i] = record{confidential: r.confidential} // its tokens and strings can go
}
