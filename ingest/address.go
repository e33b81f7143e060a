package ingest

import (
	"slices"
	"strings"

	"github.com/aidmap/aidmap/geocode/addr"
)

// This file splits what spreadsheets put in one address cell. Two shapes are common:
//
//   - a one-line address, "123 Main St, Victoria, BC V8W 1A1", in a file with no city, province
//     or postcode column (or with a city column that the address repeats);
//   - a contact blob, "T: 07854 690694 E: info@x.org W: http://x.org/ Church Hall, Mansfield
//     Road, Nottingham NG5 6AA", where phone, e-mail and web address share the cell.
//
// Both are split only where the pieces are unambiguous (a postcode by its pattern, a province
// or state by its name or capitalised abbreviation, an e-mail by its @, a phone number by its
// digits); anything else stays in the street text, so nothing typed is lost.
//
// Postcodes and provinces or states are recognised by geocode/addr (addr.Postcode,
// addr.Region), the same rules the geocoder matches on.

// regionCountry maps addr.Region's codes of Canadian provinces and territories and of US
// states (with DC and the territories) to their country.
var regionCountry = func() map[string]string {
	m := map[string]string{}
	for _, c := range strings.Fields("bc ab sk mb on qc nb ns pe nl yt nt nu") {
		m[c] = "CA"
	}
	for _, c := range strings.Fields("al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy pr gu vi as mp") {
		m[c] = "US"
	}
	return m
}()

// regionOf returns the country of a province or state written as a whole part of an address:
// its name in any case ("British Columbia", "Québec"), or an abbreviation in capitals ("BC",
// "B.C.", "NY"). "CA" alone is California. An abbreviation in lower case ("on", "me") is a
// word, not a region.
func regionOf(s string) (country string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if len(s) <= 5 && strings.ToUpper(s) != s {
		return "", false
	}
	c, ok := regionCountry[addr.Region(s)]
	return c, ok
}

// trailingPostcode finds a postcode in the last one or two words of s ("Victoria BC V8W 1A1",
// "Nottingham NG5 6AA", "NY 10001") and returns it in standard form with its country and
// what comes before it.
func trailingPostcode(s string) (code, country, rest string) {
	words := strings.Fields(s)
	for n := min(2, len(words)); n >= 1; n-- {
		if c, cc := addr.Postcode(strings.Join(words[len(words)-n:], " ")); c != "" {
			return c, cc, strings.TrimRight(strings.Join(words[:len(words)-n], " "), ",")
		}
	}
	return "", "", s
}

// addressParts is a one-line address split into our fields; empty fields were not found.
type addressParts struct {
	street, locality, region, postcode, country string
}

// splitOneLine splits "street, locality, region postcode" from the end: a postcode by its
// pattern (Canadian, British, or a US ZIP after a state), then a province or state (a whole
// comma-separated part, or the last word or words of the last part), then the locality: the
// part before the region, or the words before the region or the postcode in the same part.
// What is not recognised stays in street. A single part with no postcode is not split.
func splitOneLine(s string) addressParts {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	out := addressParts{street: strings.Join(parts, ", ")}
	if len(parts) == 0 {
		return out
	}
	last := parts[len(parts)-1]
	samePart := false // the locality may share the postcode's or the region's part
	if code, cc, rest := trailingPostcode(last); code != "" {
		// A US ZIP is five digits, which may also be a house number: take it only after a
		// state. A British postcode alone in a single part may be a name: take it only after
		// other words.
		ok := true
		switch cc {
		case "US":
			c, found := trailingRegion(rest)
			ok = found && c == "US" || rest == "" && len(parts) > 1 && isRegionPart(parts[len(parts)-2], "US")
		case "GB":
			ok = len(parts) > 1 || rest != ""
		}
		if ok {
			out.postcode, out.country = code, cc
			last, samePart = rest, true
		}
	}
	if last == "" {
		parts = parts[:len(parts)-1]
		samePart = false
		if len(parts) == 0 {
			out.street = ""
			return out
		}
		last = parts[len(parts)-1]
	} else {
		parts[len(parts)-1] = last
	}
	// Region: the whole last part, or its last words.
	if c, ok := regionOf(last); ok && len(parts) > 1 && (out.country == "" || out.country == c) {
		out.region, out.country = last, c
		parts = parts[:len(parts)-1]
		samePart = false
		last = parts[len(parts)-1]
	} else if r, rest, c, ok := splitTrailingRegion(last); ok && (out.country == "" || out.country == c) && (rest != "" || len(parts) > 1) {
		out.region, out.country = r, c
		last, samePart = rest, rest != ""
		if rest == "" {
			parts = parts[:len(parts)-1]
			last = parts[len(parts)-1]
		} else {
			parts[len(parts)-1] = rest
		}
	}
	// Locality: after a region or a postcode, the words left beside them, or the part before a
	// region; never the only part (that is the street).
	switch {
	case samePart && len(parts) > 1 && !hasDigit(last):
		out.locality = last
		parts = parts[:len(parts)-1]
	case !samePart && out.region != "" && len(parts) > 1 && !hasDigit(last):
		out.locality = last
		parts = parts[:len(parts)-1]
	}
	out.street = strings.Join(parts, ", ")
	return out
}

func isRegionPart(s, country string) bool {
	c, ok := regionOf(s)
	return ok && c == country
}

// trailingRegion reports whether s ends with a province or state.
func trailingRegion(s string) (string, bool) {
	if c, ok := regionOf(s); ok {
		return c, true
	}
	_, _, c, ok := splitTrailingRegion(s)
	return c, ok
}

// splitTrailingRegion finds a province or state in the last one to three words of s
// ("Victoria BC", "Saint John New Brunswick").
func splitTrailingRegion(s string) (region, rest, country string, ok bool) {
	words := strings.Fields(s)
	for n := min(3, len(words)); n >= 1; n-- {
		cand := strings.Join(words[len(words)-n:], " ")
		if c, found := regionOf(cand); found {
			return cand, strings.TrimRight(strings.Join(words[:len(words)-n], " "), ","), c, true
		}
	}
	return "", "", "", false
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigitByte(s[i]) {
			return true
		}
	}
	return false
}

// contacts are the phone numbers, e-mail and web addresses found in an address cell.
type contacts struct {
	rest                  string // the cell without them
	phones, emails, sites []string
}

// contactLabels are the words that introduce a contact in a blob ("T:", "Tel:", "E:"). A label
// is dropped with the value it introduces; a fax number is left in the text.
var contactLabels = map[string]byte{
	"t": 'p', "tel": 'p', "tél": 'p', "phone": 'p', "ph": 'p', "telephone": 'p', "téléphone": 'p',
	"e": 'e', "email": 'e', "e-mail": 'e', "courriel": 'e', "mail": 'e',
	"w": 'w', "web": 'w', "website": 'w', "site": 'w', "url": 'w',
	"f": 'f', "fax": 'f', "télécopieur": 'f', "telecopieur": 'f',
}

// splitContacts finds phone numbers, e-mail addresses and web addresses in an address cell
// and takes out those of the kinds take says (phone, e-mail, web). A phone number is a run of words made only of digits and + ( ) - . with 7 to 15 digits
// in all; an e-mail has an @ and a dot after it; a web address starts with http://, https:// or
// www.
func splitContacts(s string, take [3]bool) contacts {
	var c contacts
	if !strings.ContainsAny(s, "@:") && !containsAnyFold(s, []string{"www."}) && !phoneLike(s) {
		c.rest = s
		return c
	}
	words := strings.Fields(s)
	var keep []bool
	label := func(i int) (byte, bool) { // word i is a label such as "T:" or "Tel."
		w := strings.ToLower(strings.TrimRight(words[i], ":."))
		k, ok := contactLabels[w]
		return k, ok && strings.ContainsAny(words[i], ":.") || ok && len(w) > 1
	}
	dropLabel := func(i int) {
		if i > 0 {
			if _, ok := label(i - 1); ok {
				keep[i-1] = false
			}
		}
	}
	// A label stuck to its value ("E:info@x.org", "W:http://x.org") is two words.
	for i := 0; i < len(words); i++ {
		if k := strings.IndexByte(words[i], ':'); k > 0 && k < len(words[i])-1 && !strings.HasPrefix(words[i][k:], "://") {
			if _, ok := contactLabels[strings.ToLower(words[i][:k])]; ok {
				words = slices.Insert(words, i+1, words[i][k+1:])
				words[i] = words[i][:k+1]
			}
		}
	}
	keep = make([]bool, len(words))
	for i := range keep {
		keep[i] = true
	}
	phone := make([]bool, len(words)) // words taken as (part of) a phone number
	for i := 0; i < len(words); i++ {
		w := strings.Trim(words[i], ",;()<>")
		lw := strings.ToLower(w)
		switch {
		case strings.Count(w, "@") == 1 && strings.Contains(w[strings.IndexByte(w, '@'):], ".") && strings.IndexByte(w, '@') > 0:
			c.emails = append(c.emails, strings.TrimSuffix(strings.TrimPrefix(w, "mailto:"), "."))
			if take[1] {
				keep[i] = false
				dropLabel(i)
			}
		case strings.HasPrefix(lw, "http://") || strings.HasPrefix(lw, "https://") || strings.HasPrefix(lw, "www."):
			c.sites = append(c.sites, strings.TrimSuffix(w, "."))
			if take[2] {
				keep[i] = false
				dropLabel(i)
			}
		case isPhoneWord(w):
			j, digits := i, 0
			for j < len(words) && isPhoneWord(strings.Trim(words[j], ",;")) {
				digits += countDigits(words[j])
				j++
			}
			if digits >= 7 && digits <= 15 && (j-i > 1 || countDigits(w) >= 7) {
				var num []string
				for k := i; k < j; k++ {
					num = append(num, strings.Trim(words[k], ",;"))
					keep[k] = false
				}
				if i > 0 {
					if kind, ok := label(i - 1); ok && kind != 'p' {
						for k := i; k < j; k++ { // a fax or other number: leave it
							keep[k] = true
						}
						i = j - 1
						continue
					}
				}
				c.phones = append(c.phones, trimParens(strings.Join(num, " ")))
				for k := i; k < j; k++ {
					phone[k] = true
				}
				if !take[0] {
					for k := i; k < j; k++ {
						keep[k] = true
					}
				} else {
					dropLabel(i)
				}
			}
			i = j - 1
		}
	}
	// "01205 367400 or 07743 686999": the word between two numbers taken goes with them.
	for i := 1; i+1 < len(words); i++ {
		switch strings.ToLower(words[i]) {
		case "or", "and", "ou", "et", "/", "&":
			if phone[i-1] && phone[i+1] && !keep[i-1] && !keep[i+1] {
				keep[i] = false
			}
		}
	}
	var rest []string
	for i, w := range words {
		if keep[i] {
			rest = append(rest, w)
		}
	}
	c.rest = strings.Trim(strings.Join(rest, " "), " ,;")
	return c
}

// trimParens drops parentheses around a whole number, "(01234 567890)", or left unmatched at
// its ends, keeping an area code's "(416) 555-0100".
func trimParens(n string) string {
	if strings.HasPrefix(n, "(") && strings.HasSuffix(n, ")") && strings.Count(n, "(") == 1 && strings.Count(n, ")") == 1 {
		return n[1 : len(n)-1]
	}
	if strings.Count(n, "(") != strings.Count(n, ")") {
		return strings.Trim(n, "()")
	}
	return n
}

// phoneLike is a quick test for seven digits or more with nothing but spaces and + ( ) - .
// between them, as a phone number is written.
func phoneLike(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigitByte(c):
			if n++; n >= 7 {
				return true
			}
		case c == ' ', c == '+', c == '(', c == ')', c == '-', c == '.':
		default:
			n = 0
		}
	}
	return false
}

func isPhoneWord(w string) bool {
	if w == "" || countDigits(w) == 0 {
		return false
	}
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigitByte(c), c == '+', c == '(', c == ')', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigitByte(s[i]) {
			n++
		}
	}
	return n
}
