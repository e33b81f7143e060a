package addr

import (
	"strconv"
	"strings"
)

// Street returns the key of a street name: the same string for the same street however it
// is written, because the geocoder stores Street of each gazetteer point and looks up the
// Street that Parse finds in a query. The key is folded words separated by single spaces:
//
//   - street types take their short form: "West 4th Avenue", "W. 4th Ave." → "w 4 ave";
//   - a type written before the name, as French does, moves after it in its English form,
//     and the articles that follow it go: "Boulevard Saint-Laurent", "boul. St-Laurent" and
//     "St. Laurent Blvd" → "st laurent blvd"; "rue de la Gauchetière" → "gauchetiere st";
//     "chemin de la Côte-des-Neiges" → "cote des neiges rd". Numbered routes keep their
//     order: "Highway 99" → "hwy 99", "Route 132" → "rte 132";
//   - directionals become English letters and keep their side of the name: "Fourth Ave
//     West" → "4 ave w", "rue Sainte-Catherine Ouest" → "st catherine st w", "East
//     Hastings Street" → "e hastings st". Undirected takes the directional out, for a
//     lookup that tolerates it on the other side. A directional that is the whole name
//     stays a name: "North Road" → "north rd", "West Blvd" → "west blvd";
//   - ordinals become numbers: "1st", "First", "1er", "1re", "Premier" → "1"; "Twenty-First"
//     → "21";
//   - saint in any form ("St", "Ste", "Saint", "Sainte") becomes "st"; "Mount" → "mt",
//     "Fort" → "ft", "Range"/"Township" (prairie roads) → "rge"/"twp".
//
// Only the first part of s counts: what follows a comma or a parenthesis is a comment.
// Street(Street(s)) == Street(s).
func Street(s string) string {
	var arr [16]token
	toks := tokenize(s, arr[:0])
	var wa [16]string
	ws := wa[:0]
	for _, t := range toks {
		if t.seg != toks[0].seg {
			break // "Eagle Cres (Rear)", "Main St, Unit 4": comments after the name
		}
		ws = append(ws, t.s)
	}
	return streetKey(ws)
}

// streetKey builds the Street key of folded words; in is not changed.
func streetKey(in []string) string {
	var wa [16]string
	ws := wa[:0]
	// Split "1-a" style tokens and turn ordinals into numbers.
	for i := 0; i < len(in); i++ {
		w := in[i]
		for w != "" {
			part := w
			if j := strings.IndexByte(w, '-'); j >= 0 {
				part, w = w[:j], w[j+1:]
			} else {
				w = ""
			}
			if part == "" {
				continue
			}
			if n, ok := tensWords[part]; ok && i+1 < len(in) {
				if o, ok := ordinalWords[in[i+1]]; ok && o < 10 {
					ws = append(ws, strconv.Itoa(n+o))
					i++
					continue
				}
			}
			ws = append(ws, ordinal(part))
		}
	}
	// A number and a letter apart are one: "221 A Street" is "221A Street". Not a compass
	// letter: "100 E" is a number and a directional.
	for i := 0; i+1 < len(ws); i++ {
		if isDigits(ws[i]) && len(ws[i+1]) == 1 && isLetters(ws[i+1]) && directionals[ws[i+1]] == "" && ws[i+1] != "o" {
			ws[i] += ws[i+1]
			ws = append(ws[:i+1], ws[i+2:]...)
		}
	}
	// Two directional words in a row are one: "north west" → "nw", "N.W." → "nw".
	for i := 0; i+1 < len(ws); i++ {
		a, b := directionals[ws[i]], directionals[ws[i+1]]
		if (a == "n" || a == "s") && (b == "e" || b == "w") {
			ws[i] = a + b
			ws = append(ws[:i+1], ws[i+2:]...)
		}
	}
	var lead, trail, typ string
	// Trailing directional, when a name remains without it.
	if n := len(ws); n >= 2 {
		if d, ok := directionals[ws[n-1]]; ok && hasName(ws[:n-1]) {
			trail, ws = d, ws[:n-1]
		}
	}
	ws = dropArticles(ws)
	switch n := len(ws); {
	case n >= 2 && suffixTypes[ws[n-1]] != "":
		typ, ws = suffixTypes[ws[n-1]], ws[:n-1]
	case n >= 2 && leadType(ws[0]) != "" && !(n == 2 && startsDigit(ws[1])):
		typ, ws = leadType(ws[0]), ws[1:]
		ws = dropArticles(ws)
	}
	// Leading directional, once the type is out of the way so that "rue West Main" and
	// "West Main St" agree (English words only: "O" and "Est" lead nothing).
	if len(ws) >= 2 && isLeadDir(ws[0]) && hasName(ws[1:]) {
		lead, ws = directionals[ws[0]], ws[1:]
	}

	var b strings.Builder
	b.Grow(32)
	add := func(w string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	if lead != "" {
		add(lead)
	}
	for _, w := range ws {
		if c, ok := nameWords[w]; ok {
			w = c
		} else if c, ok := suffixTypes[w]; ok {
			w = c
		} else if c, ok := leadTypes[w]; ok {
			w = c
		}
		add(w)
	}
	if typ != "" {
		add(typ)
	}
	if trail != "" {
		add(trail)
	}
	return b.String()
}

// leadType returns the canonical type of w when w may lead a street name, else "". A
// variant that abbreviates to a leading type leads too ("Blv X" → "blvd" → "x blvd"), so
// that a key's words, already abbreviated, are read the same way again.
func leadType(w string) string {
	if c := leadTypes[w]; c != "" {
		return c
	}
	if c := suffixTypes[w]; c != "" {
		return leadTypes[c]
	}
	return ""
}

// hasName reports whether ws holds a word that is neither a street type nor a
// directional: what is left of a street once its type and directionals are taken out.
func hasName(ws []string) bool {
	for _, w := range ws {
		if suffixTypes[w] == "" && leadTypes[w] == "" && directionals[w] == "" {
			return true
		}
	}
	return false
}

func isLeadDir(w string) bool {
	switch w {
	case "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
		"northeast", "northwest", "southeast", "southwest":
		return true
	}
	return false
}

// dropArticles removes the French articles that start a name ("de la", "du", "des", "d'",
// "l'"), unless no name would be left ("rue du Parc" keeps "parc", "De St" keeps "de"):
// "rue de la Montagne" and "De la Montagne St" are the same street.
func dropArticles(ws []string) []string {
	for {
		n := len(ws)
		if ws = dropArticle(ws); len(ws) == n {
			return ws
		}
	}
}

func dropArticle(ws []string) []string {
	i := 0
	if i < len(ws) {
		switch ws[i] {
		case "de", "d":
			i++
			if i < len(ws) {
				switch ws[i] {
				case "la", "l", "le", "les":
					i++
				}
			}
		case "du", "des", "l":
			i++
		}
	}
	if i < len(ws) && hasName(ws[i:]) {
		return ws[i:]
	}
	return ws
}

// ordinal turns "1st", "2nd", "3rd", "4th", "1er", "1re", "2e", "2eme", "3ieme" and the
// spelled ordinals into the number alone; other words come back as they are.
func ordinal(w string) string {
	if w == "" {
		return w
	}
	if w[0] >= '0' && w[0] <= '9' {
		i := 0
		for i < len(w) && w[i] >= '0' && w[i] <= '9' {
			i++
		}
		switch w[i:] {
		case "st", "nd", "rd", "th", "e", "er", "re", "eme", "ieme", "ere", "nde":
			return w[:i]
		}
		return w
	}
	if n, ok := ordinalWords[w]; ok {
		return strconv.Itoa(n)
	}
	return w
}

func startsDigit(w string) bool { return w != "" && w[0] >= '0' && w[0] <= '9' }

// Undirected splits a Street key into the street without its directional and the
// directional ("w", "ne"...), wherever it was: "w 4 ave" and "4 ave w" both give
// "4 ave", "w". A key without one comes back whole with "". The geocoder uses it when a
// query puts the directional on the other side from the data.
func Undirected(key string) (street, dir string) {
	if i := strings.IndexByte(key, ' '); i > 0 && isDirLetter(key[:i]) && hasName(strings.Fields(key[i+1:])) {
		return key[i+1:], key[:i]
	}
	if i := strings.LastIndexByte(key, ' '); i > 0 && isDirLetter(key[i+1:]) && hasName(strings.Fields(key[:i])) {
		return key[:i], key[i+1:]
	}
	return key, ""
}

func isDirLetter(w string) bool {
	switch w {
	case "n", "s", "e", "w", "ne", "nw", "se", "sw":
		return true
	}
	return false
}

// Number returns a house number in its key form: lower case without spaces ("221 A" →
// "221a"), the first of a range ("12-14" → "12"), without a fraction ("12 1/2" → "12").
func Number(s string) string {
	var arr [4]token
	toks := tokenize(s, arr[:0])
	if len(toks) == 0 {
		return ""
	}
	n := toks[0].s
	if i := strings.IndexByte(n, '-'); i >= 0 {
		n = n[:i]
	}
	if len(toks) > 1 && len(toks[1].s) == 1 && isLetters(toks[1].s) && isDigits(n) {
		n += toks[1].s
	}
	return n
}

// Unit returns a unit in its key form: without its "Suite", "Unit", "Apt", "#", "Bureau"
// word, lower case, no spaces: "Suite 200" → "200", "Apt. 4B" → "4b", "#12" → "12".
func Unit(s string) string {
	var arr [4]token
	toks := tokenize(s, arr[:0])
	var b strings.Builder
	for _, t := range toks {
		if b.Len() == 0 && (unitWords[t.s] || t.s == "ste") {
			continue
		}
		b.WriteString(strings.ReplaceAll(t.s, "-", ""))
	}
	return b.String()
}
