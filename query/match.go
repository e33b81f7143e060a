package query

import (
	"bytes"
	"slices"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode/addr"
)

// Matcher is a Query's site predicate, ready to run many times: text folded into words and
// languages into primary subtags once. It keeps scratch memory, so one Matcher serves one
// goroutine.
type Matcher struct {
	q     *Query
	text  []string // folded query words; all must match
	langs []string // primary subtags; any must be spoken
	buf   []byte   // scratch of textScore
}

// Matcher returns q's predicate. q must not change while it is used.
func (q *Query) Matcher() *Matcher {
	m := new(Matcher)
	m.init(q)
	return m
}

func (m *Matcher) init(q *Query) {
	*m = Matcher{q: q, text: words(q.Text), langs: q.Languages}
	for i, l := range q.Languages {
		if tag := geo.PrimaryLanguage(l); tag != l || tag == "" {
			// Not all primary subtags already (web decodes them so): fold the rest.
			m.langs = slices.Clone(q.Languages[:i])
			for _, l := range q.Languages[i:] {
				if tag := geo.PrimaryLanguage(l); tag != "" {
					m.langs = append(m.langs, tag)
				}
			}
			break
		}
	}
}

// words returns the folded words of a text query.
func words(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Fields(addr.Fold(text))
}

// indexFilter returns the part of the query the index decides by itself, pruning whole parts
// of its tree: categories, languages, statuses and, for Open, whether hours are known; for
// Free and Wheelchair a necessary condition (a word that can make it so), which Match then
// decides. A rare language, fee or accessibility then costs what a rare category does.
func (m *Matcher) indexFilter() geo.Filter {
	return geo.Filter{Categories: m.q.Categories, Languages: m.langs, Statuses: m.q.Statuses, HoursKnown: m.q.Open,
		MaybeFree: m.q.Free, MaybeWheelchair: m.q.Wheelchair}
}

// needsMatch reports whether a filter is set that the index cannot decide by itself (it
// decides categories, languages, statuses and whether hours are known).
func (m *Matcher) needsMatch() bool { return m.q.sitePredicates(len(m.text) > 0) }

// ranks reports whether answers are ordered by relevance before distance (a text query).
func (m *Matcher) ranks() bool { return len(m.text) > 0 }

// Match reports whether s passes every filter of the query but where it is, and its text
// relevance (0 without text).
func (m *Matcher) Match(s *aidmap.Site) (score int, ok bool) {
	q := m.q
	if q.Categories != 0 && q.Categories&s.CategorySet() == 0 {
		return 0, false
	}
	if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, s.Status) {
		return 0, false
	}
	if q.Organization != "" && s.OrganizationID != q.Organization {
		return 0, false
	}
	if !q.UpdatedSince.IsZero() && s.UpdatedAt.Before(q.UpdatedSince) {
		return 0, false
	}
	if !q.UpdatedUntil.IsZero() && s.UpdatedAt.After(q.UpdatedUntil) {
		return 0, false
	}
	if !q.VerifiedSince.IsZero() && (s.VerifiedAt.IsZero() || s.VerifiedAt.Before(q.VerifiedSince)) {
		return 0, false
	}
	if len(m.langs) > 0 && !speaksAny(s.Languages, m.langs) {
		return 0, false
	}
	if q.Free && !isFree(s.Fees) {
		return 0, false
	}
	if q.Wheelchair && !isWheelchairAccessible(s.Accessibility) {
		return 0, false
	}
	if q.Open && !openAt(s, q.When) {
		return 0, false
	}
	if len(m.text) > 0 {
		score, ok, m.buf = textScore(s, m.text, m.buf)
		return score, ok
	}
	return 0, true
}

// openAt reports whether s is open at o; unknown hours are not open.
func openAt(s *aidmap.Site, o OpenAt) bool {
	if !s.Hours.Known() {
		return false
	}
	open, _, _ := s.Hours.OpenAt(o.At(s.Hours.Timezone))
	return open
}

func speaksAny(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, geo.PrimaryLanguage(h)) {
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
