package geo

import (
	"hash/maphash"
	"strings"

	"github.com/aidmap/aidmap"
)

// The index keeps, beside each point's categories (bits 0-15 of its set; the taxonomy has 15),
// a few facts of the site in bits 16-31, so that filters on them prune whole nodes as
// categories do: a node's set is the union of its points', so a node whose set lacks every
// requested language cannot hold a site speaking one. The bits are a necessary condition
// only; Filter.Match still decides exactly (and a language bit is shared by the languages that
// hash to it). Ten language bits, not twelve, leave room for "fees may say free" and
// "accessibility may say wheelchair" (#15) without widening the 32-byte node.
const (
	catMask          aidmap.CategorySet = 1<<16 - 1
	attrActive       aidmap.CategorySet = 1 << 16
	attrTempClosed   aidmap.CategorySet = 1 << 17
	attrClosed       aidmap.CategorySet = 1 << 18
	attrHoursKnown   aidmap.CategorySet = 1 << 19
	attrMaybeFree    aidmap.CategorySet = 1 << 20
	attrMaybeWheel   aidmap.CategorySet = 1 << 21
	langShift                           = 22
	langBits                            = 10
	langMask         aidmap.CategorySet = (1<<langBits - 1) << langShift
	statusMask                          = attrActive | attrTempClosed | attrClosed
	attrsOfEverySite                    = attrHoursKnown // bits a Filter may require
)

// freeWords and wheelchairWords are the starts of the words that can make a fees text free
// and an accessibility text say a wheelchair gets in, under query's rules (query/match.go:
// isFree, isWheelchairAccessible). geo may not import the folding those rules use
// (geocode/addr), so it keeps a superset: a text has the bit when one of its ASCII words
// (lower-cased runs of letters and digits, as query folds ASCII) starts with one of these,
// or when it has any non-ASCII byte. query's FuzzIndexBits checks that every text its rules
// accept has the bit; keep these lists in step with those rules.
var (
	freeWords       = []string{"0", "no", "nil", "aucun", "sans", "pas", "free", "gratu", "gratis"}
	wheelchairWords = []string{"wheelchair", "fauteuil", "accessible", "yes", "oui", "step", "ramp", "elevator", "ascenseur", "plain"}
)

// mayHave reports whether text has a word starting with one of prefixes, or any non-ASCII
// byte (which only the exact rule can read).
func mayHave(text string, prefixes []string) bool {
	var w [16]byte // a word's first bytes, lower-cased: every prefix is shorter
	n := 0
	word := func() bool {
		for _, p := range prefixes {
			if n >= len(p) && string(w[:len(p)]) == p {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 0x80:
			return true
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		default:
			if n > 0 && word() {
				return true
			}
			n = 0
			continue
		}
		if n < len(w) {
			w[n] = c
		}
		n++
	}
	return n > 0 && word()
}

var langSeed = maphash.MakeSeed()

// langBit returns the bit of a language's primary subtag ("fr" for "fr-CA").
func langBit(tag string) aidmap.CategorySet {
	tag = PrimaryLanguage(tag)
	if tag == "" {
		return 0
	}
	return 1 << (langShift + maphash.String(langSeed, tag)%langBits)
}

// PrimaryLanguage returns the lower-case primary language subtag of a BCP 47 tag ("fr-CA" →
// "fr"): someone asking for French is served by a site that speaks Canadian French.
func PrimaryLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// pointSet returns the set the index keeps for s: its categories and its facts.
func pointSet(s *aidmap.Site) aidmap.CategorySet {
	set := s.CategorySet() & catMask
	switch s.Status {
	case aidmap.StatusTemporarilyClosed:
		set |= attrTempClosed
	case aidmap.StatusClosed:
		set |= attrClosed
	default:
		set |= attrActive
	}
	if s.Hours.Known() {
		set |= attrHoursKnown
	}
	if mayHave(s.Fees, freeWords) {
		set |= attrMaybeFree
	}
	if mayHave(s.Accessibility, wheelchairWords) {
		set |= attrMaybeWheel
	}
	for _, l := range s.Languages {
		set |= langBit(l)
	}
	return set
}

// compile fills the filter's masks from its fields; every query calls it once.
func (f *Filter) compile() {
	f.langs, f.statuses, f.require = 0, 0, 0
	for _, l := range f.Languages {
		f.langs |= langBit(l)
	}
	for _, s := range f.Statuses {
		switch s {
		case aidmap.StatusActive:
			f.statuses |= attrActive
		case aidmap.StatusTemporarilyClosed:
			f.statuses |= attrTempClosed
		case aidmap.StatusClosed:
			f.statuses |= attrClosed
		}
	}
	if len(f.Statuses) > 0 && f.statuses == 0 {
		f.never = true // only statuses no indexed site has (retired)
	}
	if f.HoursKnown {
		f.require |= attrHoursKnown
	}
	if f.MaybeFree {
		f.require |= attrMaybeFree
	}
	if f.MaybeWheelchair {
		f.require |= attrMaybeWheel
	}
	if len(f.Languages) > 0 {
		if f.langs == 0 {
			f.never = true // only empty tags asked for
		}
		f.site = new(aidmap.Site)
	}
	// Most queries filter by no bit at all; then match is one load and a branch the CPU
	// predicts, for each of the ~250 nodes and points a nearest-10 tests (it was 14% of the
	// profile of BenchmarkNearest10).
	f.all = !f.never && f.Categories == 0 && f.require == 0 && f.langs == 0 && f.statuses == 0
}

// speaks reports whether the site at p of t speaks one of the filter's languages: the exact
// check behind the language bits, which two languages may share.
func (f *Filter) speaks(t *tree, p uint32) bool {
	Hit{t: t, p: p}.DecodeSite(f.site)
	for _, have := range f.site.Languages {
		have = PrimaryLanguage(have)
		for _, want := range f.Languages {
			if PrimaryLanguage(want) == have {
				return true
			}
		}
	}
	return false
}

// match reports whether a point or node with set c may match: any of the categories, every
// required fact, any of the languages and any of the statuses.
func (f *Filter) match(c aidmap.CategorySet) bool {
	return f.all || !f.never && (f.Categories == 0 || f.Categories&c&catMask != 0) && c&f.require == f.require &&
		(f.langs == 0 || c&f.langs != 0) && (f.statuses == 0 || c&f.statuses != 0)
}
