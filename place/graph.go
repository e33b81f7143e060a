package place

import (
	"cmp"
	"hash/fnv"
	"maps"
	"math"
	"slices"

	"github.com/aidmap/aidmap"
)

// Decision is a steward's decision on two sites, by site ID: one place (Confirmed) or never
// one place (!Confirmed, a split).
type Decision struct {
	A, B      string
	Confirmed bool
}

// Graph keeps the places of a changing set of sites: Update adds, changes and removes sites
// by ID and links only the changed ones against the rest (MatchFrom), so an upload of 10k
// sites against 1M costs what matching them costs, not a new match of all; stewards'
// decisions apply when places are built (Places). It is not safe for concurrent use.
type Graph struct {
	m      *Matcher
	ids    []string         // site ID by record
	sums   []uint64         // Sum of each record's site
	live   map[string]int32 // record by site ID, live records only
	pairs  map[[2]int32]float64
	around map[int32][]int32 // the other record of each pair, by record
	link   float64
	dec    map[[2]string]bool // by ordered site IDs: true confirmed, false split
	// lastStacked is the last Places' sites at stacked points and stackedVersion its number,
	// which changes only when the set does (Places.StackedVersion).
	lastStacked    map[string]bool
	stackedVersion uint64
}

// NewGraph returns an empty Graph.
func NewGraph(opt Options) *Graph {
	opt = opt.withDefaults()
	return &Graph{m: New(opt), live: map[string]int32{}, pairs: map[[2]int32]float64{},
		around: map[int32][]int32{}, link: opt.Link, dec: map[[2]string]bool{}}
}

// Update applies changed sites: a site replaces the one with its ID, a site that is not
// visible (retired, draft) is removed. The last site with an ID wins.
func (g *Graph) Update(changed []aidmap.Site) {
	last := make(map[string]int, len(changed))
	for i, s := range changed {
		last[s.ID] = i
	}
	for id := range last {
		if r, ok := g.live[id]; ok {
			g.remove(r)
		}
	}
	add := make([]aidmap.Site, 0, len(last))
	for i, s := range changed {
		if last[s.ID] == i && s.Visible() {
			add = append(add, s)
		}
	}
	from := len(g.ids)
	g.m.Add(add)
	for i, s := range add {
		g.ids = append(g.ids, s.ID)
		g.sums = append(g.sums, Sum(&s))
		g.live[s.ID] = int32(from + i)
	}
	res := g.m.MatchFrom(from)
	for _, list := range [][]Pair{res.Links, res.Review} {
		for _, p := range list {
			a, b := int32(p.A), int32(p.B)
			g.pairs[[2]int32{a, b}] = p.Score
			g.around[a] = append(g.around[a], b)
			g.around[b] = append(g.around[b], a)
		}
	}
	g.compact()
}

// compact drops the slots of removed records once they outnumber the live ones. A changed
// site is removed and added again, and the removed record keeps its slot (pairs and the
// candidate grid name records by index): without this, a Graph fed re-uploads for months
// would hold every version of every site, places long gone included. Indexes are renumbered
// everywhere; nothing is matched again, so this costs a pass over the records.
func (g *Graph) compact() {
	n := len(g.ids)
	if n < 1024 || n-len(g.live) <= len(g.live) {
		return
	}
	to := make([]int32, n) // new index of each record, -1 when removed
	ids := make([]string, 0, len(g.live))
	sums := make([]uint64, 0, len(g.live))
	recs := make([]record, 0, len(g.live))
	for r := range n {
		if lr, ok := g.live[g.ids[r]]; ok && int(lr) == r {
			to[r] = int32(len(ids))
			ids, sums, recs = append(ids, g.ids[r]), append(sums, g.sums[r]), append(recs, g.m.recs[r])
		} else {
			to[r] = -1
		}
	}
	for id, r := range g.live {
		g.live[id] = to[r]
	}
	pairs := make(map[[2]int32]float64, len(g.pairs))
	for p, sc := range g.pairs {
		if a, b := to[p[0]], to[p[1]]; a >= 0 && b >= 0 {
			pairs[[2]int32{min(a, b), max(a, b)}] = sc
		}
	}
	around := make(map[int32][]int32, len(g.around))
	for r, os := range g.around {
		if nr := to[r]; nr >= 0 {
			for _, o := range os {
				if no := to[o]; no >= 0 {
					around[nr] = append(around[nr], no)
				}
			}
		}
	}
	g.ids, g.sums, g.pairs, g.around = ids, sums, pairs, around
	g.m.renumber(recs, to)
}

// Sum is a hash of what matching reads of a site (ID, organisation, name, point, phone,
// website, address, categories, confidentiality, visibility): a site with the same Sum
// links as before, so Diff need not match it again.
func Sum(s *aidmap.Site) uint64 {
	h := fnv.New64a()
	for _, f := range []string{s.ID, s.OrganizationID, s.Name, s.Phone, s.Website, s.Address.Street,
		s.Address.PostalCode, string(s.Status)} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	var b [17]byte
	for i, v := range []uint64{math.Float64bits(s.Lat), math.Float64bits(s.Lon)} {
		for k := range 8 {
			b[i*8+k] = byte(v >> (8 * k))
		}
	}
	if s.Confidential {
		b[16] = 1
	}
	h.Write(b[:])
	for _, c := range s.Categories {
		h.Write([]byte(c))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// Diff returns what Update needs to bring the Graph to a whole new set of sites, given
// them one by one (each (site) call with one site, then done()): the sites that are new or
// changed (by Sum) and, at done, the IDs no longer there as retired sites. A server's hourly
// reload changes few sites: only those are matched again, not all.
func (g *Graph) Diff() (each func(s *aidmap.Site), done func() []aidmap.Site) {
	seen := make(map[string]bool, len(g.live))
	var changed []aidmap.Site
	each = func(s *aidmap.Site) {
		if r, ok := g.live[s.ID]; ok {
			seen[s.ID] = true
			if g.sums[r] == Sum(s) {
				return
			}
		}
		changed = append(changed, *s)
	}
	done = func() []aidmap.Site {
		for id := range g.live {
			if !seen[id] {
				changed = append(changed, aidmap.Site{ID: id, Status: aidmap.StatusRetired})
			}
		}
		return changed
	}
	return each, done
}

// remove takes record r out of candidate search and drops its pairs.
func (g *Graph) remove(r int32) {
	delete(g.live, g.ids[r])
	for _, o := range g.around[r] {
		delete(g.pairs, [2]int32{min(r, o), max(r, o)})
		g.around[o] = slices.DeleteFunc(g.around[o], func(x int32) bool { return x == r })
	}
	delete(g.around, r)
	g.m.remove(int(r))
}

// Decide records a steward's decision (a later one on the same pair replaces it).
func (g *Graph) Decide(d Decision) {
	g.dec[key(d.A, d.B)] = d.Confirmed
}

// SetDecisions replaces every decision with ds, so a decision withdrawn since is gone.
func (g *Graph) SetDecisions(ds []Decision) {
	clear(g.dec)
	for _, d := range ds {
		g.Decide(d)
	}
}

func key(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

// PairInfo is a pair of live sites the matcher scored or a steward decided on.
type PairInfo struct {
	A, B     string // site IDs, A < B
	Score    float64
	Linked   bool   // one place in Places
	Decision string // "confirmed", "split" or "" (none)
}

// Pairs returns the pairs (scored at review level or above, or decided) with a site of
// organisation org, ordered by A then B; Linked says whether the pair is one place in pl.
func (g *Graph) Pairs(pl *Places, org string) []PairInfo {
	want := func(id string) bool { r, ok := g.live[id]; return ok && g.m.recs[r].org == org }
	var out []PairInfo
	seen := map[[2]string]bool{}
	addPair := func(a, b string, score float64) {
		k := key(a, b)
		if seen[k] || !(want(a) || want(b)) {
			return
		}
		seen[k] = true
		p := PairInfo{A: k[0], B: k[1], Score: score, Linked: pl.Of(a) == pl.Of(b)}
		if c, ok := g.dec[k]; ok {
			p.Decision = map[bool]string{true: "confirmed", false: "split"}[c]
		}
		out = append(out, p)
	}
	for p, s := range g.pairs {
		addPair(g.ids[p[0]], g.ids[p[1]], s)
	}
	for k := range g.dec {
		ra, okA := g.live[k[0]]
		rb, okB := g.live[k[1]]
		// A confidential site's pairs are never shown: the list would say where it is.
		if okA && okB && !g.m.recs[ra].confidential && !g.m.recs[rb].confidential {
			addPair(k[0], k[1], 0)
		}
	}
	slices.SortFunc(out, func(x, y PairInfo) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })
	return out
}

// Places are the places of a Graph at one moment: immutable, safe for concurrent reads.
type Places struct {
	of      map[string]string   // place ID by site ID, for sites in a place of several
	members map[string][]string // site IDs by place ID (ascending), places of several only
	stacked map[string]bool     // site IDs at a stacked point
	version uint64              // of stacked (StackedVersion)
}

// StackedVersion numbers the set of sites at stacked points: two Places of one Graph with the
// same number mark the same sites approximate, so answers that carry the mark can be cached
// under it (web's site cache) and kept while places are made again for other reasons (an
// upload elsewhere, a steward's decision). 0 is the empty set of a Graph that never had one.
func (p *Places) StackedVersion() uint64 {
	if p == nil {
		return 0
	}
	return p.version
}

// Empty reports whether there is neither a place of several sites nor a site at a stacked
// point: then every site is drawn and listed as it is.
func (p *Places) Empty() bool { return len(p.members) == 0 && len(p.stacked) == 0 }

// Approximate reports whether site id is at a stacked point: many unrelated records at one
// coordinate (a locality or postcode centroid, a geocoder's fallback), so its point must be
// presented as approximate, not as a building.
// A nil *Places marks nothing.
func (p *Places) Approximate(id string) bool { return p != nil && p.stacked[id] }

// Of returns the ID of the place site id belongs to: the smallest of its sites' IDs (a site
// alone is a place of its own, under its own ID).
func (p *Places) Of(id string) string {
	if pid, ok := p.of[id]; ok {
		return pid
	}
	return id
}

// Members returns the site IDs of place pid, ascending; a site alone is its only member.
func (p *Places) Members(pid string) []string {
	if m, ok := p.members[pid]; ok {
		return m
	}
	return []string{pid}
}

// Len returns the number of places of several sites.
func (p *Places) Len() int { return len(p.members) }

// Places builds the places from the links and the decisions: confirmed pairs first (always
// one place, even below the link threshold, unless either site is confidential), then links
// by descending score; a union that would put the two sites of a split pair in one place is
// not made, so a split holds even when other links connect the two.
func (g *Graph) Places() *Places {
	uf := newUnionFind(len(g.ids))
	splits := map[int32][]int32{} // split partners by record
	members := map[int][]int32{}  // records with a split, by union-find root
	type edge struct {
		a, b  int32
		score float64
	}
	var edges []edge
	for k, c := range g.dec {
		a, okA := g.live[k[0]]
		b, okB := g.live[k[1]]
		if !okA || !okB {
			continue
		}
		if c {
			if !g.m.recs[a].confidential && !g.m.recs[b].confidential {
				edges = append(edges, edge{a, b, 2})
			}
			continue
		}
		splits[a] = append(splits[a], b)
		splits[b] = append(splits[b], a)
	}
	for r := range splits {
		members[int(r)] = append(members[int(r)], r)
	}
	for p, s := range g.pairs {
		if s >= g.link {
			edges = append(edges, edge{p[0], p[1], s})
		}
	}
	slices.SortFunc(edges, func(x, y edge) int {
		return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
	})
	for _, e := range edges {
		ra, rb := uf.find(int(e.a)), uf.find(int(e.b))
		if ra == rb || apart(uf, members[ra], rb, splits) || apart(uf, members[rb], ra, splits) {
			continue
		}
		uf.union(ra, rb)
		root := uf.find(ra)
		joined := append(members[ra], members[rb]...)
		delete(members, ra)
		delete(members, rb)
		if len(joined) > 0 {
			members[root] = joined
		}
	}
	groups := map[int][]string{}
	for _, e := range edges {
		for _, r := range []int32{e.a, e.b} {
			groups[uf.find(int(r))] = nil
		}
	}
	for id, r := range g.live {
		root := uf.find(int(r))
		if _, ok := groups[root]; ok {
			groups[root] = append(groups[root], id)
		}
	}
	stacked := g.stacked()
	if !maps.Equal(stacked, g.lastStacked) {
		g.lastStacked, g.stackedVersion = stacked, g.stackedVersion+1
	}
	// The same map while the set is the same: Places are immutable, and so is it.
	out := &Places{of: map[string]string{}, members: map[string][]string{}, stacked: g.lastStacked, version: g.stackedVersion}
	for _, ids := range groups {
		if len(ids) < 2 {
			continue
		}
		slices.Sort(ids)
		out.members[ids[0]] = ids
		for _, id := range ids {
			out.of[id] = ids[0]
		}
	}
	return out
}

// stacked returns the site IDs at stacked points (Matcher.judge), judged afresh over the
// points holding at least StackMin live records (Matcher.crowded: few points do).
func (g *Graph) stacked() map[string]bool {
	out := map[string]bool{}
	var marks []bool
	for k := range g.m.crowded {
		idx := g.m.at[k]
		if len(idx) < g.m.opt.StackMin {
			continue
		}
		if marks == nil {
			marks = make([]bool, len(g.m.recs))
		}
		g.m.judge(idx, marks)
		for _, r := range idx {
			if marks[r] {
				out[g.ids[r]] = true
			}
		}
	}
	return out
}

// apart reports whether a record of recs (one component) has a split partner in component
// root.
func apart(uf unionFind, recs []int32, root int, splits map[int32][]int32) bool {
	for _, r := range recs {
		for _, o := range splits[r] {
			if uf.find(int(o)) == root {
				return true
			}
		}
	}
	return false
}
