package query

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode/addr"
)

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
// address and organisation ID (textFields). Each query word scores its best
// match: exact word 3, prefix 2, one edit away 1 (words of 5 letters or more only), times the
// field's weight. A site missing any word does not match. buf is scratch for folded text,
// returned for reuse, so a scan over thousands of sites does not allocate per site.
func textScore(s *aidmap.Site, words []string, buf []byte) (int, bool, []byte) {
	fields := textFields(s)
	var ends [len(fields)]int
	buf = buf[:0]
	for i, f := range fields {
		buf = appendFold(buf, f.text)
		ends[i] = len(buf)
	}
	all := unsafe.String(unsafe.SliceData(buf), len(buf)) // buf is not written while all is used
	var best [MaxTextWords]int
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

// textField is a field of a site that text queries read, with its weight.
type textField struct {
	text   string
	weight int
}

// textFields returns the fields of s that text queries read: textScore and the text index
// (textindex.go) both take them from here, so the index finds what the score matches.
//
// A confidential site's street and postal code are never published, so they are not matched
// either: a query that finds the site by them would confirm a guessed address. (The index holds
// confidential sites in their public form, without an address; this holds whatever it is given.)
func textFields(s *aidmap.Site) [7]textField {
	street, postal := s.Address.Street, s.Address.PostalCode
	if s.Confidential {
		street, postal = "", ""
	}
	return [...]textField{
		{s.Name, weightName},
		{s.OrganizationID, weightOrg},
		{s.Description, weightOther},
		{street, weightOther},
		{s.Address.Locality, weightOther},
		{s.Address.Region, weightOther},
		{postal, weightOther},
	}
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
