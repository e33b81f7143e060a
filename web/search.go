package web

import (
	"bytes"
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode/addr"
)

// siteQuery holds the list filters the geo index does not know (it filters by category only):
// opening hours, text, languages, fees, accessibility, status and dates. All combine with AND.
// The handlers run it over the index's results; see matchHits.
type siteQuery struct {
	when          openAt
	openOnly      bool
	text          []string // folded query words; all must match
	langs         []string // lower-case primary subtags; any must be spoken
	free          bool
	wheelchair    bool
	statuses      []aidmap.Status
	updatedSince  time.Time
	verifiedSince time.Time
	buf           []byte // scratch for textScore; a siteQuery serves one request
}

// needsMatch reports whether a filter is set that the index cannot decide by itself (it
// decides categories, languages, statuses and whether hours are known).
func (sq *siteQuery) needsMatch() bool {
	return sq.openOnly || len(sq.text) > 0 || sq.free || sq.wheelchair ||
		!sq.updatedSince.IsZero() || !sq.verifiedSince.IsZero()
}

// active reports whether any filter is set, so lists without one keep the plain index path.
func (sq *siteQuery) active() bool {
	return sq.openOnly || len(sq.text) > 0 || len(sq.langs) > 0 || sq.free || sq.wheelchair ||
		len(sq.statuses) > 0 || !sq.updatedSince.IsZero() || !sq.verifiedSince.IsZero()
}

// maxQueryWords bounds the work of one text query.
const maxQueryWords = 8

func parseSiteQuery(q url.Values, now time.Time) (siteQuery, error) {
	var (
		sq  siteQuery
		err error
	)
	if sq.when, sq.openOnly, err = parseOpenAt(q, now); err != nil {
		return sq, err
	}
	if raw := q.Get("q"); raw != "" {
		if len(raw) > 200 {
			return sq, badParam("q", "is longer than 200 bytes")
		}
		sq.text = strings.Fields(addr.Fold(raw))
		if len(sq.text) > maxQueryWords {
			return sq, badParam("q", fmt.Sprintf("has more than %d words", maxQueryWords))
		}
	}
	if raw := q.Get("lang"); raw != "" {
		if len(raw) > maxParamLen {
			return sq, badParam("lang", "is too long")
		}
		for _, part := range strings.Split(raw, ",") {
			if tag := primaryTag(part); tag != "" {
				sq.langs = append(sq.langs, tag)
			}
		}
	}
	if sq.free, err = parseBool(q, "free"); err != nil {
		return sq, err
	}
	if sq.wheelchair, err = parseBool(q, "wheelchair"); err != nil {
		return sq, err
	}
	if raw := q.Get("status"); raw != "" {
		for _, part := range strings.Split(raw, ",") {
			st := aidmap.Status(strings.TrimSpace(part))
			if st == "" {
				continue
			}
			if !st.Valid() || st == aidmap.StatusRetired {
				return sq, badParam("status", fmt.Sprintf("%q is not active, temporarily_closed or closed", truncate(part)))
			}
			sq.statuses = append(sq.statuses, st)
		}
	}
	if sq.updatedSince, err = parseSince(q, "updated_since"); err != nil {
		return sq, err
	}
	sq.verifiedSince, err = parseSince(q, "verified_since")
	return sq, err
}

// parseBool reads name=true|false; only true filters.
func parseBool(q url.Values, name string) (bool, error) {
	switch raw := q.Get(name); raw {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, badParam(name, fmt.Sprintf("%q must be true or false", truncate(raw)))
	}
}

// parseSince reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func parseSince(q url.Values, name string) (time.Time, error) {
	raw := strings.TrimSpace(q.Get(name))
	if raw == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, raw); err == nil {
		return t, nil
	}
	return time.Time{}, badParam(name, fmt.Sprintf("%q is not a date such as 2026-11-01 or a time such as 2026-11-01T12:00:00Z", truncate(raw)))
}

// primaryTag returns the lower-case primary language subtag of a BCP 47 tag ("fr-CA" → "fr"):
// someone asking for French is served by a site that speaks Canadian French.
func primaryTag(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// match reports whether s passes every filter, and its text relevance (0 without q).
func (sq *siteQuery) match(s *aidmap.Site) (score int, ok bool) {
	if len(sq.statuses) > 0 && !slices.Contains(sq.statuses, s.Status) {
		return 0, false
	}
	if !sq.updatedSince.IsZero() && s.UpdatedAt.Before(sq.updatedSince) {
		return 0, false
	}
	if !sq.verifiedSince.IsZero() && (s.VerifiedAt.IsZero() || s.VerifiedAt.Before(sq.verifiedSince)) {
		return 0, false
	}
	if len(sq.langs) > 0 && !speaksAny(s.Languages, sq.langs) {
		return 0, false
	}
	if sq.free && !isFree(s.Fees) {
		return 0, false
	}
	if sq.wheelchair && !isWheelchairAccessible(s.Accessibility) {
		return 0, false
	}
	if sq.openOnly {
		if !s.Hours.Known() {
			return 0, false
		}
		if open, _, _ := s.Hours.OpenAt(sq.when.at(s.Hours.Timezone)); !open {
			return 0, false
		}
	}
	if len(sq.text) > 0 {
		var ok bool
		score, ok, sq.buf = textScore(s, sq.text, sq.buf)
		return score, ok
	}
	return 0, true
}

func speaksAny(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, primaryTag(h)) {
			return true
		}
	}
	return false
}

// isFree reads a free-text fees field. Empty means unknown, which is not free. A field saying
// "free", "gratuit", "none", "no charge", "sans frais" or "0" (as most providers write it)
// counts as free, even when it goes on ("free; donations welcome"). It folds into a buffer on
// the stack: a filtered nearest query may read tens of thousands of sites.
func isFree(fees string) bool {
	var arr [256]byte
	f := bytes.TrimSpace(appendFold(arr[:0], fees))
	if len(f) == 0 {
		return false
	}
	first, rest, _ := bytes.Cut(f, []byte{' '})
	second, _, _ := bytes.Cut(rest, []byte{' '})
	switch string(first) {
	case "0", "none", "aucun", "aucuns", "nil":
		return true
	case "no", "sans", "pas":
		switch string(second) {
		case "charge", "fee", "fees", "cost", "frais", "cout":
			return true
		}
	}
	for len(f) > 0 {
		var w []byte
		w, f, _ = bytes.Cut(f, []byte{' '})
		switch string(w) {
		case "free", "gratuit", "gratuite", "gratuits", "gratuites", "gratis", "gratuito", "gratuita":
			return true
		}
	}
	return false
}

// isWheelchairAccessible reads a free-text accessibility field: "wheelchair accessible",
// "accessible en fauteuil roulant", "yes", "oui", "step-free"; negations ("not accessible",
// "non accessible", "stairs only") do not count. Empty means unknown.
func isWheelchairAccessible(text string) bool {
	var arr [512]byte
	f := append(appendFold(append(arr[:0], ' '), text), ' ')
	if len(bytes.TrimSpace(f)) == 0 {
		return false
	}
	for _, neg := range []string{" not ", " no ", " non ", " pas ", " inaccessible ", " stairs only ", " partially ", " partiellement "} {
		if bytes.Contains(f, []byte(neg)) {
			return false
		}
	}
	for _, pos := range []string{" wheelchair", " fauteuil", " accessible ", " yes ", " oui ", " step free ", " ramp", " rampe", " elevator", " ascenseur", " plain pied "} {
		if bytes.Contains(f, []byte(pos)) {
			return true
		}
	}
	return false
}

// categoryWords are the words each category is found by, in English and French, folded.
var categoryWords = func() map[aidmap.Category]string {
	fr := map[aidmap.Category]string{
		aidmap.CategoryFoodBank:         "banque alimentaire nourriture food",
		aidmap.CategoryFreeMeal:         "repas gratuit meal soupe populaire soup kitchen",
		aidmap.CategoryCommunityKitchen: "cuisine communautaire collective",
		aidmap.CategoryGrocery:          "epicerie marche",
		aidmap.CategoryShelter:          "refuge hebergement abri",
		aidmap.CategoryDropIn:           "halte accueil centre de jour",
		aidmap.CategoryOutreach:         "travail de rue proximite",
		aidmap.CategoryHygiene:          "hygiene douches douche",
		aidmap.CategoryClinic:           "clinique sante health",
		aidmap.CategoryMentalHealth:     "sante mentale",
		aidmap.CategoryLegalAid:         "aide juridique avocat",
		aidmap.CategoryNewcomer:         "nouveaux arrivants immigrants refugies etablissement",
		aidmap.CategoryWarmingCentre:    "halte chaleur chauffage rafraichissement",
		aidmap.CategoryClothing:         "vetements",
		aidmap.CategoryOther:            "autre",
	}
	m := make(map[aidmap.Category]string, len(fr))
	for _, c := range aidmap.Categories() {
		m[c.Slug] = addr.Fold(c.Label+" "+strings.ReplaceAll(string(c.Slug), "_", " ")) + " " + fr[c.Slug]
	}
	return m
}()

// Field weights of a text match: a word in the name says more than one in the description.
const (
	weightName     = 4
	weightCategory = 3
	weightOrg      = 2
	weightOther    = 1
)

// textScore matches every query word against the site's name, categories, description,
// address and organisation ID (the name is not in the index). Each query word scores its best
// match: exact word 3, prefix 2, one edit away 1 (words of 5 letters or more only), times the
// field's weight. A site missing any word does not match. buf is scratch for folded text,
// returned for reuse, so a scan over thousands of sites does not allocate per site.
//
// A confidential site's street and postal code are never published, so they are not matched
// either: a query that finds the site by them would confirm a guessed address.
func textScore(s *aidmap.Site, words []string, buf []byte) (int, bool, []byte) {
	street, postal := s.Address.Street, s.Address.PostalCode
	if s.Confidential {
		street, postal = "", ""
	}
	fields := [...]struct {
		text   string
		weight int
	}{
		{s.Name, weightName},
		{s.OrganizationID, weightOrg},
		{s.Description, weightOther},
		{street, weightOther},
		{s.Address.Locality, weightOther},
		{s.Address.Region, weightOther},
		{postal, weightOther},
	}
	var ends [len(fields)]int
	buf = buf[:0]
	for i, f := range fields {
		buf = appendFold(buf, f.text)
		ends[i] = len(buf)
	}
	all := unsafe.String(unsafe.SliceData(buf), len(buf)) // buf is not written while all is used
	var best [maxQueryWords]int
	total := 0
	for wi, w := range words {
		for _, c := range s.Categories {
			if sc := wordScore(categoryWords[c], w) * weightCategory; sc > best[wi] {
				best[wi] = sc
			}
		}
		from := 0
		for i, f := range fields {
			if sc := wordScore(all[from:ends[i]], w) * f.weight; sc > best[wi] {
				best[wi] = sc
			}
			from = ends[i]
		}
		if best[wi] == 0 {
			return 0, false, buf
		}
		total += best[wi]
	}
	return total, true, buf
}

// appendFold appends addr.Fold(s) to dst, with a fast path for ASCII text (most fields): lower
// case, and anything but letters and digits turned into spaces.
func appendFold(dst []byte, s string) []byte {
	if s == "" {
		return dst
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(dst, addr.Fold(s)...)
		}
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		default:
			// Fold joins "o'brien" where this splits it: at worst a point of relevance.
			if len(dst) == start || dst[len(dst)-1] == ' ' {
				continue // one space between words, as Fold
			}
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

// wordScore returns how well query word w matches the best word of folded text: 3 exact, 2 a
// prefix (w of 3 letters or more), 1 one edit away (both of 5 letters or more), else 0.
func wordScore(text, w string) int {
	best := 0
	for len(text) > 0 {
		i := strings.IndexByte(text, ' ')
		var word string
		if i < 0 {
			word, text = text, ""
		} else {
			word, text = text[:i], text[i+1:]
		}
		if word == "" {
			continue
		}
		switch {
		case word == w:
			return 3
		case best < 2 && len(w) >= 3 && strings.HasPrefix(word, w):
			best = 2
		case best < 1 && len(w) >= 5 && len(word) >= 5 && editDistance1(word, w):
			best = 1
		}
	}
	return best
}

// editDistance1 reports whether a and b differ by exactly one insertion, deletion,
// substitution or transposition of adjacent letters (bytes: both are folded, so mostly ASCII).
func editDistance1(a, b string) bool {
	la, lb := len(a), len(b)
	if la < lb {
		a, b, la, lb = b, a, lb, la
	}
	if la-lb > 1 {
		return false
	}
	i := 0
	for i < lb && a[i] == b[i] {
		i++
	}
	if i == lb {
		return la == lb+1 // equal strings are not one edit apart
	}
	if la == lb {
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // transposition
	}
	return a[i+1:] == b[i:] // deletion from a
}

// rankScale turns a relevance score into metres of a rank key: key = distance - score×scale
// orders by relevance, then distance, since no radius exceeds maxRadiusM.
const rankScale = 10 * maxRadiusM

// ranked is a hit that passed a siteQuery, with its rank key (its distance when there is no q).
type ranked struct {
	geo.Hit
	key float64
}

// filterHits appends to dst the hits that pass sq, keyed for ranking. It decodes each site
// into one reused Site: most sites of a text query are read only to be rejected.
func (sq *siteQuery) filterHits(dst []ranked, hits []geo.Hit) []ranked {
	var s aidmap.Site
	for _, h := range hits {
		h.DecodeSite(&s)
		if score, ok := sq.match(&s); ok {
			dst = append(dst, ranked{h, h.DistanceM - float64(score)*rankScale})
		}
	}
	return dst
}

// sortRanked orders by rank key, then ID, the order of a page and of its cursor.
func sortRanked(rs []ranked) {
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.ID(), b.ID())) })
}

func hitsOf(rs []ranked) []geo.Hit {
	hits := make([]geo.Hit, len(rs))
	for i, r := range rs {
		hits[i] = r.Hit
	}
	return hits
}

// maxNearestMatch bounds how many sites one filtered nearest query reads through the exact
// check (the index's own filters, categories, languages, statuses and known hours, prune for
// free and are not counted). A text query or open-now filter that matches nothing would
// otherwise decode every site of the index: about a second on 1M sites, which anyone could
// ask for again and again. Up to the bound the answer is exact; a query that reaches it says
// so ("complete": false) and gives the nearest matching sites among those read.
const maxNearestMatch = 1 << 14

// nearestMatching returns exactly the k nearest sites that match f and sq, ordered by
// relevance then distance: the index checks sq during its best-first search (geo.Filter.Match),
// so a rare combination is found however far away it is. complete is false when the search
// stopped at maxNearestMatch sites read.
func nearestMatching(ix *geo.Index, lat, lon float64, k int, f geo.Filter, sq *siteQuery) (hits []geo.Hit, incomplete bool) {
	// (read == maxNearestMatch also when the search ended exactly there: "may be incomplete".)
	read := 0
	if sq.needsMatch() {
		var s aidmap.Site
		f.MaxMatch = maxNearestMatch
		f.Match = func(h geo.Hit) bool {
			read++
			h.DecodeSite(&s)
			_, ok := sq.match(&s)
			return ok
		}
	}
	matched := sq.filterHits(nil, ix.Nearest(lat, lon, k, f))
	sortRanked(matched)
	return hitsOf(matched), read == maxNearestMatch
}

// withinMatching returns the sites within radiusM that match f and sq and rank after the
// cursor, ordered by relevance then distance.
func withinMatching(ix *geo.Index, lat, lon, radiusM float64, f geo.Filter, sq *siteQuery, after cursor, hasCursor bool) ([]geo.Hit, []float64) {
	matched := sq.filterHits(nil, ix.Within(lat, lon, radiusM, f))
	sortRanked(matched)
	if hasCursor {
		i, _ := slices.BinarySearchFunc(matched, after, func(r ranked, c cursor) int {
			if r.key != c.Distance {
				return cmp.Compare(r.key, c.Distance)
			}
			if r.ID() <= c.ID {
				return -1
			}
			return 1
		})
		matched = matched[i:]
	}
	keys := make([]float64, len(matched))
	for i, r := range matched {
		keys[i] = r.key
	}
	return hitsOf(matched), keys
}

// bboxMatching returns up to limit sites in b matching f and sq with IDs after afterID, in ID
// order, and whether more remain. It reads the index a page at a time until limit match.
func bboxMatching(ix *geo.Index, b geo.BBox, f geo.Filter, sq *siteQuery, afterID string, limit int) ([]geo.Hit, bool) {
	var (
		out []ranked
		s   aidmap.Site
	)
	page := max(4*limit, 256)
	for {
		hits, more := ix.AppendInBBoxAfter(nil, b, f, afterID, page)
		for _, h := range hits {
			h.DecodeSite(&s)
			if _, ok := sq.match(&s); !ok {
				continue
			}
			if len(out) == limit {
				return hitsOf(out), true
			}
			out = append(out, ranked{Hit: h})
		}
		if !more || len(hits) == 0 {
			return hitsOf(out), false
		}
		afterID = hits[len(hits)-1].ID()
	}
}
