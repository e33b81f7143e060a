package place

import (
	"slices"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode/addr"
)

// stop are words that say what kind of body a name is, not which one: "The Food Bank Inc"
// and "Food Bank" name the same place.
var stop = map[string]bool{"the": true, "of": true, "and": true, "a": true, "inc": true,
	"incorporated": true, "ltd": true, "llc": true, "corp": true, "society": true,
	"centre": true, "center": true, "association": true, "assoc": true, "co": true,
	"de": true, "la": true, "le": true, "du": true, "des": true, "et": true}

// NameTokens folds a name (case, accents, punctuation: geocode/addr.Fold), drops stop words
// and returns its tokens sorted and unique.
func NameTokens(name string) []string {
	var out []string
	for _, t := range strings.Fields(addr.Fold(strings.ReplaceAll(name, "&", " and "))) {
		if !stop[t] {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Phone keeps a phone number's digits, the last ten of them (so "+1 (416) 555-0100" and
// "416.555.0100" compare equal); "" when fewer than seven digits remain.
func Phone(p string) string {
	var b []byte
	for i := 0; i < len(p); i++ {
		if p[i] >= '0' && p[i] <= '9' {
			b = append(b, p[i])
		}
	}
	if len(b) < 7 {
		return ""
	}
	if len(b) > 10 {
		b = b[len(b)-10:]
	}
	return string(b)
}

// Host is a website's host without scheme, "www." and path, lower-cased.
func Host(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#:"); i >= 0 {
		u = u[:i]
	}
	return strings.TrimPrefix(u, "www.")
}

// Score says how likely two sites are the same place, from 0 to 1. See score for the formula.
func Score(a, b aidmap.Site) float64 { return score(newRecord(a), newRecord(b)) }

// score is a weighted mean over the evidence both records carry:
//
//	name     weight 0.6  soft token Jaccard (nameSim)
//	phone    weight 0.25 1 when one's digits end the other's (a country code written or
//	                     not: "+20 555-0154" = "+1 +20 555 0154"), else 0
//	website  weight 0.15 1 when the hosts are equal, else 0
//	category weight 0.1  |A∩B| / |A∪B|
//
// A field missing on either side is left out of the mean rather than counted as a mismatch
// (most 211 rows carry no website). Equal phone or host with a name similarity under 0.2 is
// capped at 0.6 (review, not link): a shared switchboard or umbrella site is not one building.
func score(a, b record) float64 {
	name := nameSim(a.tokens, b.tokens)
	sum, w := 0.6*name, 0.6
	if a.phone != "" && b.phone != "" {
		w += 0.25
		if strings.HasSuffix(a.phone, b.phone) || strings.HasSuffix(b.phone, a.phone) {
			sum += 0.25
		}
	}
	if a.host != "" && b.host != "" {
		w += 0.15
		if a.host == b.host {
			sum += 0.15
		}
	}
	if len(a.cats) > 0 && len(b.cats) > 0 {
		w += 0.1
		sum += 0.1 * catOverlap(a.cats, b.cats)
	}
	s := sum / w
	if name < 0.2 && s > 0.6 {
		s = 0.6
	}
	return s
}

// nameSim is a soft Jaccard of two sorted token sets: a token matches one of the other set
// that is equal or, both at least four letters long, one edit away (a typo); the score is
// matches / (|A| + |B| − matches). Symmetric: matching is greedy over sorted tokens from
// the shorter set, and the count is the same either way for the one-typo relation in
// practice; the tests check symmetry.
func nameSim(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	m := min(matches(a, b), matches(b, a))
	return float64(m) / float64(len(a)+len(b)-m)
}

func matches(a, b []string) int {
	used := make([]bool, len(b))
	n := 0
	for _, x := range a {
		if j, ok := slices.BinarySearch(b, x); ok && !used[j] {
			used[j] = true
			n++
			continue
		}
		for j, y := range b {
			if !used[j] && len(x) >= 4 && len(y) >= 4 && oneEdit(x, y) {
				used[j] = true
				n++
				break
			}
		}
	}
	return n
}

// oneEdit reports whether x and y differ by at most one insertion, deletion, substitution
// or transposition of adjacent letters.
func oneEdit(x, y string) bool {
	if x == y {
		return true
	}
	lx, ly := len(x), len(y)
	if lx-ly > 1 || ly-lx > 1 {
		return false
	}
	i := 0
	for i < lx && i < ly && x[i] == y[i] {
		i++
	}
	switch {
	case lx == ly:
		if x[i+1:] == y[i+1:] {
			return true
		}
		return i+1 < lx && x[i] == y[i+1] && x[i+1] == y[i] && x[i+2:] == y[i+2:]
	case lx > ly:
		return x[i+1:] == y[i:]
	default:
		return x[i:] == y[i+1:]
	}
}

func catOverlap(a, b []aidmap.Category) float64 {
	inter := 0
	for _, c := range a {
		if slices.Contains(b, c) {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}
