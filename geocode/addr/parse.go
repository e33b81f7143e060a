package addr

import "strings"

// Parsed is an address split into normalised parts. Empty fields are unknown.
type Parsed struct {
	Unit     string // "203", "4b": from "Suite 200", "#200", "Unit 4", "Apt 4", "Bureau 200", "203-5171 221A St"
	Number   string // house number, Number form: "5171", "221a"; a range "12-14" keeps "12"
	Street   string // Street key: "w 4 ave", "st denis st"
	Locality string // Locality key: "langley", "montreal", "saint jean sur richelieu"
	Region   string // Region form: "bc", "qc", "ca" (California), "ny"
	Postcode string // Postcode form: "V6B 1A1", "90210", "SW1A 2AA"; a Canadian FSA alone: "V6B"
	ZIP4     string // the ZIP+4 extension, "1234", when a US ZIP had one
	Country  string // "CA", "US", "GB" when known: a country word, else the postcode's shape, else the region
	POBox    string // "1234" from "PO Box 1234", "C.P. 1234", "Case postale 1234", "Box 12": never a location
	// Place holds, in Locality form, the words of a text with no number and no street
	// ("Kitsilano", "Langley BC", "Downtown Eastside, Vancouver" → "downtown eastside"):
	// a neighbourhood, city or landmark to look up as a place. With several comma-separated
	// parts it is the first, and Locality the last.
	Place string
}

// Parse splits one line of free text into the parts of an address: "203-5171 221A Street,
// Langley BC V3A 4H6", "1234 W 4th Ave Vancouver", "4500, rue Saint-Denis, Montréal
// (Québec) H2J 2L3", "10 Downing St, London SW1A 2AA, UK", "PO Box 123, Smithers BC".
//
// It reads the text from both ends: country, postal code and region from the end; unit,
// PO box and floor words wherever they are; then the house number and the street from the
// start, the street ending at its type ("St", "Ave") and directional or at a comma, and the
// rest as the locality. Parse never fails: what it cannot place it leaves out.
func Parse(text string) Parsed {
	var arr [32]token
	toks := tokenize(text, arr[:0])
	var p Parsed
	toks, regionPart := p.tail(toks)
	toks = p.boxes(toks)
	toks = p.units(toks)
	p.body(toks)
	if p.Locality == "" && p.Place == "" && len(regionPart) > 0 && (p.Street != "" || p.POBox != "") {
		p.Locality = joinLocality(regionPart)
	}
	p.inferCountry()
	return p
}

// FromParts normalises a structured address: a CSV row's columns, or an HSDS address.
// street may hold the number ("123 Main St"), a unit, or even a whole address line; the
// other fields, when not empty, win over what Parse finds in it.
func FromParts(street, unit, locality, region, postcode, country string) Parsed {
	p := Parse(street)
	if p.Street == "" && p.Place != "" {
		// A street without a type ("Highbury", "Ontario"): in a street column it is still a
		// street, and not a region.
		p = Parsed{Street: streetOfPlace(street), Unit: p.Unit, POBox: p.POBox}
	}
	if u := Unit(unit); u != "" {
		p.Unit = u
	}
	if l := Locality(locality); l != "" {
		p.Locality = l
	}
	if r := Region(region); r != "" {
		p.Region = r
	}
	if strings.TrimSpace(postcode) != "" {
		p.Postcode, p.ZIP4 = "", ""
		if code, c := Postcode(postcode); code != "" {
			p.Postcode, p.ZIP4 = code, ZIP4(postcode)
			if p.Country == "" || country == "" {
				p.Country = c
			}
		} else if f := FSA(postcode); f != "" {
			p.Postcode = f
		}
	}
	if c := Country(country); c != "" {
		p.Country = c
	}
	p.inferCountry()
	return p
}

// streetOfPlace is the Street key of a street column that Parse took for a place name.
func streetOfPlace(s string) string {
	var arr [16]token
	toks := tokenize(s, arr[:0])
	var wa [16]string
	ws := wa[:0]
	for _, t := range toks {
		if t.seg != toks[0].seg {
			break
		}
		ws = append(ws, t.s)
	}
	return streetKey(ws)
}

// FromPoint normalises a gazetteer point whose number is given apart from its street, as
// in OpenAddresses and OpenStreetMap. A point without a number gets the one written at
// the start of its street, if any.
func FromPoint(number, street, unit, locality, region, postcode, country string) Parsed {
	var p Parsed
	p.Number = Number(number)
	if p.Number == "" || startsDigit(strings.TrimSpace(street)) {
		// "5171 221A Street" with or without the number given apart; but "221A Street"
		// at number 221A is a street of its own.
		if q := Parse(street); q.Number != "" && (p.Number == "" || q.Number == p.Number && hasName(strings.Fields(q.Street))) {
			p.Number, p.Street, p.Unit = q.Number, q.Street, q.Unit
		}
	}
	if p.Street == "" {
		p.Street = Street(street)
	}
	if u := Unit(unit); u != "" {
		p.Unit = u
	}
	p.Locality = Locality(locality)
	p.Region = Region(region)
	if code, c := Postcode(postcode); code != "" {
		p.Postcode, p.ZIP4, p.Country = code, ZIP4(postcode), c
	}
	if c := Country(country); c != "" {
		p.Country = c
	}
	p.inferCountry()
	return p
}

func (p *Parsed) inferCountry() {
	if p.Country != "" {
		return
	}
	if _, c := Postcode(p.Postcode); c != "" {
		p.Country = c
	} else if FSA(p.Postcode) != "" {
		p.Country = "CA"
	} else {
		p.Country = regionCountry(p.Region)
	}
}

// tail takes country, postal code and region off the end of toks, in any order, and
// returns what is left.
func (p *Parsed) tail(toks []token) (rest, regionPart []token) {
	for changed := true; changed && len(toks) > 0; {
		changed = false
		if p.Country == "" {
			if n, c := countryAt(toks); n > 0 {
				p.Country, toks, changed = c, toks[:len(toks)-n], true
			}
		}
		if p.Postcode == "" {
			if n, code, c, zip4 := postcodeAt(toks); n > 0 && (p.Country == "" || p.Country == c) {
				p.Postcode, p.ZIP4, toks, changed = code, zip4, toks[:len(toks)-n], true
				if p.Country == "" {
					p.Country = c
				}
			}
		}
		if p.Region == "" {
			if n, code := regionAt(toks); n > 0 {
				if n == len(toks) {
					// The whole text is a region name: keep it as a place too, since
					// cities share names with regions (Québec, New York, Ontario CA).
					if w := toks[0].s; n > 1 || len(w) > 3 || regionKeys[w] != w {
						p.Place = joinLocality(toks)
					}
				}
				if n < len(toks) && (n > 1 || len(toks[len(toks)-1].s) > 3) && toks[len(toks)-n-1].seg != toks[len(toks)-n].seg {
					// A region written out in its own part may be its capital's name too:
					// "Québec (Québec)", "101 Saint Marks Pl, New York".
					regionPart = toks[len(toks)-n:]
				}
				p.Region, toks, changed = code, toks[:len(toks)-n], true
			}
		}
	}
	if p.Postcode == "" {
		// A Canadian or British postcode followed by noise ("Aberdeen AB11 5RW Tel: 01224
		// 596156"): what follows a postcode is never the address.
		for i := len(toks) - 2; i >= 1; i-- {
			if n, code, c, _ := postcodeAt(toks[:i+1]); n > 0 && c != "US" && len(code) > 3 && (p.Country == "" || p.Country == c) {
				p.Postcode, toks = code, toks[:i+1-n]
				if p.Country == "" {
					p.Country = c
				}
				if p.Region == "" {
					if n, code := regionAt(toks); n > 0 && n < len(toks) {
						p.Region, toks = code, toks[:len(toks)-n]
					}
				}
				break
			}
		}
	}
	return toks, regionPart
}

// countryAt returns how many tokens at the end of toks name a country, and which.
func countryAt(toks []token) (int, string) {
	n := len(toks)
	if n == 0 {
		return 0, ""
	}
	last := toks[n-1].s
	if last == "ca" {
		// "CA" after a province or a Canadian postal code is Canada; else California.
		if n > 1 {
			if k, code := regionAt(toks[:n-1]); k > 0 && canadianRegions[code] {
				return 1, "CA"
			}
			if k, _, c, _ := postcodeAt(toks[:n-1]); k > 0 && c == "CA" {
				return 1, "CA"
			}
		}
		return 0, ""
	}
	for k := min(4, n); k >= 1; k-- {
		ws := toks[n-k:]
		if ws[0].seg != ws[k-1].seg {
			continue
		}
		var buf [64]byte
		key := appendJoin(buf[:0], ws, " ")
		if c, ok := countries[string(key)]; ok && !(k == 1 && len(key) == 2 && n > 1 && ws[0].seg == toks[n-2].seg && isStopWord(toks[n-2].s)) {
			return k, c
		}
		if k > 1 && allShortTokens(ws) {
			if c, ok := countries[string(appendJoin(buf[:0], ws, ""))]; ok {
				return k, c
			}
		}
	}
	return 0, ""
}

// postcodeAt returns how many tokens at the end of toks are a postal code, the code in
// Postcode form, its country and any ZIP+4 extension.
func postcodeAt(toks []token) (n int, code, country, zip4 string) {
	k := len(toks)
	if k == 0 {
		return 0, "", "", ""
	}
	last := toks[k-1]
	var buf [12]byte
	if k >= 2 && toks[k-2].seg == last.seg && len(last.s) == 3 && len(toks[k-2].s) <= 4 {
		// Two words: "V6B 1A1", "SW1A 2AA".
		c, ok := compact(toks[k-2].s+last.s, buf[:0])
		if code, country := postcodeCompact(c); ok && code != "" && country != "US" && !isOrdinalSuffix(last.s[1:]) {
			return 2, code, country, ""
		}
	}
	c, ok := compact(last.s, buf[:0])
	if !ok || last.hash {
		return 0, "", "", ""
	}
	if code, country := postcodeCompact(c); code != "" {
		if country == "US" {
			// A ZIP is five digits at the end, never the house number or a route number.
			if k > 1 && (isRouteWord(toks[k-2].s) || unitWords[toks[k-2].s]) {
				return 0, "", "", ""
			}
			if len(c) == 9 {
				zip4 = string(c[5:])
			}
		}
		return 1, code, country, zip4
	}
	if len(c) == 3 && isFSA(c) && (k == 1 || !isStreetWord(toks[k-2].s) && !isRouteWord(toks[k-2].s) && !unitWords[toks[k-2].s]) {
		return 1, string(c), "CA", ""
	}
	return 0, "", "", ""
}

func isOrdinalSuffix(s string) bool {
	switch s {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// isStreetWord reports whether w is a street type.
func isStreetWord(w string) bool {
	return suffixTypes[w] != "" || leadTypes[w] != ""
}

// numberedRoadBefore reports whether out ends with a road named by its number, as in
// "Hwy #1" or "123 Route #7", where a '#' number is the road's, not a unit; "Lougheed Hwy
// #203" has a name before the road word, so #203 is a unit.
func numberedRoadBefore(out []token, seg int) bool {
	n := len(out)
	if n == 0 || out[n-1].seg != seg || !isNumberedRoad(out[n-1].s) {
		return false
	}
	return n == 1 || out[n-2].seg != seg || startsDigit(out[n-2].s)
}

// isNumberedRoad reports whether w names a road by number, so that "Hwy #1" is not unit 1.
func isNumberedRoad(w string) bool {
	switch w {
	case "hwy", "highway", "route", "rte", "autoroute", "aut", "rang", "rg", "no", "number",
		"county", "sr", "us", "i", "interstate":
		return true
	}
	return false
}

// isRouteWord reports whether w numbers a road ("Highway 99", "Route 66", "Rang 4",
// "County Road 12"), so that the number after it belongs to the street.
func isRouteWord(w string) bool {
	switch w {
	case "hwy", "highway", "route", "rte", "rang", "rg", "autoroute", "aut", "no", "number",
		"county", "state", "us", "sr", "cr", "fm", "road", "rd", "line", "concession", "conc",
		"sideroad", "sdrd", "interstate", "i":
		return true
	}
	return false
}

// regionAt returns how many tokens at the end of toks name a region, and its code.
func regionAt(toks []token) (int, string) {
	n := len(toks)
	maxK := min(1, n)
	if n > 0 && regionLastWords[toks[n-1].s] {
		maxK = min(maxRegionWords, n)
	}
	for k := maxK; k >= 1; k-- {
		ws := toks[n-k:]
		if ws[0].seg != ws[k-1].seg {
			continue
		}
		code := ""
		var buf [64]byte
		if c, ok := regionKeys[string(appendJoin(buf[:0], ws, " "))]; ok {
			code = c
		} else if k > 1 && allShortTokens(ws) {
			code = regionAbbrevs[string(appendJoin(buf[:0], ws, ""))]
		}
		if code == "" {
			continue
		}
		if n > k {
			prev := toks[n-k-1]
			if prev.seg == ws[0].seg {
				// "rue Ontario", "Avenue Quebec", "de la" (Louisiana), "Main St NE"
				// (Nebraska): the region word belongs to the street.
				startsStreet := n-k-1 == 0 || toks[n-k-2].seg != prev.seg || startsDigit(toks[n-k-2].s)
				if leadTypes[prev.s] != "" && startsStreet || unitWords[prev.s] || isStopWord(prev.s) ||
					k == 1 && directionals[ws[0].s] != "" && (suffixTypes[prev.s] != "" || startsDigit(prev.s)) ||
					startsDigit(prev.s) && k == 1 && len(ws[0].s) > 2 {
					continue
				}
			}
		}
		return k, code
	}
	return 0, ""
}

func isStopWord(w string) bool {
	switch w {
	case "de", "du", "des", "la", "le", "les", "l", "d", "sur", "en", "of", "the", "a", "and", "et", "at", "on", "in", "to", "aux", "au":
		return true
	}
	return false
}

func allShortTokens(ws []token) bool {
	for _, t := range ws {
		if len(t.s) > 2 {
			return false
		}
	}
	return true
}

// appendJoin appends the words of ws to dst, separated by sep (a space or nothing): the
// key to look a phrase up by without allocating (m[string(b)] does not copy).
func appendJoin(dst []byte, ws []token, sep string) []byte {
	for i, t := range ws {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = append(dst, t.s...)
	}
	return dst
}

// boxes takes PO boxes, rural routes, general delivery and the postal station that goes
// with them out of toks: they say where mail is collected, not where anyone is.
func (p *Parsed) boxes(toks []token) []token {
	out := toks[:0] // filtering in place: writes never pass reads
	drop := -1      // drop the rest of this segment (a station after a box)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.seg == drop {
			continue
		}
		if n := boxWords(toks[i:]); n > 0 && i+n < len(toks) && toks[i+n].seg == t.seg && hasDigit(toks[i+n].s) {
			if p.POBox == "" {
				p.POBox = strings.ReplaceAll(toks[i+n].s, "-", "")
			}
			i += n
			drop = t.seg
			continue
		}
		if n := ruralWords(toks[i:]); n > 0 {
			i += n - 1
			continue
		}
		if isStationWord(t.s) && p.POBox != "" && (len(out) == 0 || out[len(out)-1].seg != t.seg) {
			drop = t.seg // ", Succ. Centre-Ville," after the box
			continue
		}
		out = append(out, t)
	}
	return out
}

// boxWords returns how many tokens at the start of ts introduce a PO box number.
func boxWords(ts []token) int {
	w := func(i int) string {
		if i < len(ts) {
			return ts[i].s
		}
		return ""
	}
	switch w(0) {
	case "box", "pob", "cp", "bp", "pobox", "postbox":
		return 1
	case "po", "postal":
		if w(1) == "box" || w(1) == "b" {
			return 2
		}
	case "p":
		if w(1) == "o" && (w(2) == "box" || w(2) == "b") {
			return 3
		}
	case "c":
		if w(1) == "p" {
			return 2
		}
	case "b":
		if w(1) == "p" {
			return 2
		}
	case "post":
		if w(1) == "office" && w(2) == "box" {
			return 3
		}
	case "case", "boite":
		if w(1) == "postale" {
			return 2
		}
	}
	return 0
}

// ruralWords returns how many tokens at the start of ts are a rural route, general
// delivery or site-and-compartment ("RR 2", "R.R. #1", "Site 5 Comp 12").
func ruralWords(ts []token) int {
	w := func(i int) string {
		if i < len(ts) {
			return ts[i].s
		}
		return ""
	}
	switch {
	case w(0) == "rr" && hasDigit(w(1)):
		return 2
	case w(0) == "r" && w(1) == "r" && hasDigit(w(2)):
		return 3
	case w(0) == "rural" && w(1) == "route" && hasDigit(w(2)):
		return 3
	case (w(0) == "site" || w(0) == "comp") && hasDigit(w(1)):
		return 2
	case w(0) == "general" && w(1) == "delivery", w(0) == "poste" && w(1) == "restante":
		return 2
	}
	return 0
}

func isStationWord(w string) bool {
	switch w {
	case "succ", "succursale", "stn", "station", "csp", "comptoir", "rpo":
		return true
	}
	return false
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// units takes units, suites and floors out of toks, keeping the first unit.
func (p *Parsed) units(toks []token) []token {
	out := toks[:0] // filtering in place: writes never pass reads
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		var next token
		hasNext := i+1 < len(toks) && toks[i+1].seg == t.seg
		if hasNext {
			next = toks[i+1]
		}
		switch {
		case t.hash && hasDigit(t.s) && !numberedRoadBefore(out, t.seg):
			p.setUnit(t.s)
			continue
		case hasNext && (unitWords[t.s] && (hasDigit(next.s) || len(next.s) == 1 || next.hash) || t.s == "ste" && hasDigit(next.s)):
			if !(t.s == "no" || t.s == "lot") || hasDigit(next.s) {
				u := next.s
				i++
				if i+1 < len(toks) && toks[i+1].seg == t.seg && toks[i+1].dash && len(toks[i+1].s) == 1 && isLetters(toks[i+1].s) {
					u += toks[i+1].s // "Suite 200-B"
					i++
				}
				p.setUnit(u)
				continue
			}
		case hasNext && floorWords[next.s] && (ordinal(t.s) != t.s || floorPhrases[t.s] || isDigits(t.s)):
			i++ // "3rd Fl", "Main Floor", "Lower Level"
			continue
		case hasNext && floorWords[t.s] && hasDigit(next.s):
			i++ // "Floor 2"
			continue
		case t.s == "basement" || t.s == "mezzanine" || t.s == "rdc":
			continue
		case t.s == "rez" && i+2 < len(toks) && toks[i+1].s == "de" && toks[i+2].s == "chaussee":
			i += 2
			continue
		}
		out = append(out, t)
	}
	return out
}

func (p *Parsed) setUnit(s string) {
	if p.Unit == "" {
		p.Unit = strings.ReplaceAll(s, "-", "")
	}
}

// body finds the number, street and locality, or the place, in what tail, boxes and units
// left.
func (p *Parsed) body(toks []token) {
	if len(toks) == 0 {
		return
	}
	// Segments, in order, without the empty ones the removals left, as [start, end) of
	// toks: indexes, not subslices, so that the tokens stay on the caller's stack.
	var sa [8][2]int
	segs := sa[:0]
	for i := 0; i < len(toks); {
		j := i + 1
		for j < len(toks) && toks[j].seg == toks[i].seg {
			j++
		}
		segs = append(segs, [2]int{i, j})
		i = j
	}
	seg := func(i int) []token { return toks[segs[i][0]:segs[i][1]] }
	// The first segment that starts with a house number holds the address.
	for si := range segs {
		s := seg(si)
		var after string
		if len(s) > 1 {
			after = s[1].s
		} else if si+1 < len(segs) {
			after = seg(si + 1)[0].s
		}
		if !isHouseNumber(s[0].s, after) {
			continue
		}
		num, rest := s[0].s, s[1:]
		if len(rest) > 0 && rest[0].dash && strings.IndexByte(num, '-') < 0 {
			switch nx := rest[0].s; {
			case len(nx) <= 2 && isLetters(nx) && isDigits(num):
				num, rest = num+nx, rest[1:] // "3660-A"
			case startsDigit(nx) && strings.IndexByte(nx, '-') < 0:
				num, rest = num+"-"+nx, rest[1:] // "14 - 18", "35/36", "203 - 5171"
			}
		}
		if len(rest) > 2 && len(rest[0].s) == 1 && isDigits(rest[0].s) && rest[1].dash && len(rest[1].s) == 1 && isDigits(rest[1].s) {
			rest = rest[2:] // "123 1/2 Main St": the half is not part of the street
		}
		if len(rest) > 1 && len(rest[0].s) == 1 && isLetters(rest[0].s) && isDigits(num) &&
			directionals[rest[0].s] == "" && rest[0].s != "o" && suffixTypes[rest[1].s] == "" && leadType(rest[1].s) == "" {
			num, rest = num+rest[0].s, rest[1:] // "123 A Main St" is 123A; "123 A St" is on A Street
		}
		p.number(num)
		if len(rest) == 0 && si+1 < len(segs) {
			// "4500, rue Saint-Denis": the street is the next part.
			si++
			rest = seg(si)
		}
		end, _ := splitStreet(rest, false)
		p.Street = streetKeyTokens(rest[:end])
		p.locality(rest[end:], toks, segs[si+1:])
		return
	}
	// No number: a street if some part is marked as one, else a place.
	for si := range segs {
		s := seg(si)
		if end, marked := splitStreet(s, true); marked {
			p.Street = streetKeyTokens(s[:end])
			p.locality(s[end:], toks, segs[si+1:])
			return
		}
	}
	p.Place = joinLocality(seg(0))
	if len(segs) > 1 {
		p.Locality = joinLocality(seg(len(segs) - 1))
	}
}

// locality sets the locality from the words after the street in its own part, or from
// the last part after it: "123 Main St, Kitsilano, Vancouver" is in Vancouver.
func (p *Parsed) locality(tail, toks []token, later [][2]int) {
	for i := len(later) - 1; i >= 0; i-- {
		ts := p.dropCounty(toks[later[i][0]:later[i][1]])
		if len(ts) > 0 {
			p.Locality = joinLocality(ts)
			return
		}
	}
	if ts := p.dropCounty(tail); len(ts) > 0 {
		p.Locality = joinLocality(ts)
	}
}

// dropCounty takes a British county off the end of ts ("Doncaster, South Yorkshire",
// "Tunbridge Wells, Kent"): the post town before it is what locates the address. Only
// for British addresses: Surrey and Essex are also Canadian cities.
func (p *Parsed) dropCounty(ts []token) []token {
	if p.Country != "GB" {
		return ts
	}
	for k := min(3, len(ts)); k >= 1; k-- {
		var buf [64]byte
		if ukCounties[string(appendJoin(buf[:0], ts[len(ts)-k:], " "))] {
			return ts[:len(ts)-k]
		}
	}
	return ts
}

func joinLocality(ts []token) string {
	var wa [8]string
	ws := wa[:0]
	for _, t := range ts {
		if strings.IndexByte(t.s, '-') >= 0 {
			ws = append(ws, strings.Split(t.s, "-")...)
			continue
		}
		ws = append(ws, t.s)
	}
	return localityKey(ws)
}

// isHouseNumber reports whether w, followed by the word next, is a house number: digits,
// perhaps a letter or two ("221a"), perhaps "203-5171"; not an ordinal street name
// ("4th Ave", "2e Avenue").
func isHouseNumber(w, next string) bool {
	if !startsDigit(w) {
		return false
	}
	if j := strings.IndexByte(w, '-'); j >= 0 {
		// "203-5171", "4b-5171", "12-14", "12-a"
		a, b := w[:j], w[j+1:]
		return isNumberShape(a) && (isNumberShape(b) || len(b) <= 2 && isLetters(b))
	}
	if ordinal(w) != w {
		// "4th Ave" is a street; "2e" is a number only when no street type follows it.
		return len(w)-len(ordinal(w)) == 1 && next != "" && suffixTypes[next] == "" && leadTypes[next] == ""
	}
	return isNumberShape(w)
}

// isNumberShape reports whether w is digits followed by at most two letters: "5171",
// "221a", "11ab".
func isNumberShape(w string) bool {
	i := 0
	for i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	return i > 0 && len(w)-i <= 2 && (i == len(w) || isLetters(w[i:]))
}

// number sets Number (and maybe Unit) from the house-number token w.
func (p *Parsed) number(w string) {
	j := strings.IndexByte(w, '-')
	if j < 0 {
		p.Number = w
		return
	}
	a, b := w[:j], w[j+1:]
	switch {
	case !startsDigit(b):
		p.Number = a + b // "12-a"
	case isRange(a, b) || p.Country == "GB" || !isDigits(a) && !isDigits(b):
		// Britain writes ranges ("12-14 High St"), never units this way.
		p.Number = a
	default:
		// The Canadian unit-number form: "203-5171" is unit 203 at 5171.
		if p.Unit == "" {
			p.Unit = a
		}
		p.Number = b
	}
}

// isRange reports whether "a-b" reads as a range of house numbers ("12-14", "101-103")
// rather than the Canadian unit-number form ("203-5171", "4-12"): both numbers the same
// length, the second a little above the first ("35/36" are two buildings side by side).
func isRange(a, b string) bool {
	if len(a) != len(b) || !isDigits(a) || !isDigits(b) || len(a) > 6 {
		return false
	}
	x, y := atoi(a), atoi(b)
	return y > x && y-x <= 8
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// splitStreet finds where the street ends in the words after a house number: what
// follows it in the same part is the locality, when no comma separates them. marked reports whether
// the street was recognised by a type, a French leading type or a typeless street name
// ("Broadway"), rather than assumed to be the whole part.
//
// Without a house number (strict), "St" ends a street only at the end of its part:
// "Fort St. John, BC" is a town, "Main St, Vancouver" a street.
func splitStreet(ts []token, strict bool) (end int, marked bool) {
	var wa [16]string
	ws := wa[:0]
	for _, t := range ts {
		ws = append(ws, t.s)
	}
	n := len(ws)
	if n == 0 {
		return 0, false
	}
	end = -1
	switch {
	case n > 1 && leadTypes[ws[0]] != "" && startsDigit(ws[1]):
		end = extendDir(ws, 2) // "Highway 99", "Route 132", "Rang 4"
		marked = true
	case n > 1 && leadTypes[ws[0]] != "":
		// "rue Saint-Denis", "boulevard René-Lévesque Ouest Montréal": the name runs to a
		// directional, a second type ("Avenue Road"), or the end of the part.
		for j := 1; j < n; j++ {
			if j >= 2 && directionals[ws[j]] != "" && !isStopWord(ws[j-1]) {
				end = j + 1
				break
			}
			if ws[j] != "st" && suffixTypes[ws[j]] != "" && leadTypes[ws[j]] == "" && !(j+1 < n && startsDigit(ws[j+1])) {
				end = extendDir(ws, j+1)
				break
			}
		}
		if end < 0 {
			end = n
		}
		marked = true
	default:
		for j := 0; j < n; j++ {
			w := ws[j]
			if strict && w == "st" && j+1 < n && directionals[ws[j+1]] == "" {
				continue
			}
			if nameOnlyStreets[w] || j >= 1 && suffixTypes[w] != "" && (hasName(ws[:j]) || j == 1 && directionals[ws[0]] != "") && !(j+1 < n && startsDigit(ws[j+1])) {
				for j+1 < n && suffixTypes[ws[j+1]] != "" && ws[j+1] != "st" || j+1 < n && ws[j+1] == "st" && (j+2 == n || directionals[ws[j+2]] != "") {
					j++ // "Bowling Green Street", "Park Lane St W"
				}
				end = extendDir(ws, j+1)
				marked = true
				break
			}
		}
		if end < 0 {
			end = n
		}
	}
	return end, marked
}

// streetKeyTokens is streetKey of the words of ts.
func streetKeyTokens(ts []token) string {
	var wa [16]string
	ws := wa[:0]
	for _, t := range ts {
		ws = append(ws, t.s)
	}
	return streetKey(ws)
}

// extendDir takes a directional after the street type into the street ("Queen St W
// Toronto", "Bloor Street West Toronto"), except a full word that starts the name of a
// town ("123 Main St West Vancouver", "North York"): see dirLocalities.
// dirLocalities are the words that follow a compass word in the names of towns: "West
// Vancouver", "North York", "East Gwillimbury".
var dirLocalities = map[string]bool{
	"vancouver": true, "york": true, "kelowna": true, "bay": true, "surrey": true,
	"delta": true, "saanich": true, "cowichan": true, "battleford": true, "bend": true,
	"gwillimbury": true, "end": true, "hills": true, "lake": true, "river": true,
	"shore": true, "side": true, "coast": true, "hampton": true, "haven": true,
	"orange": true, "hempstead": true, "providence": true, "palm": true, "miami": true,
	"sydney": true, "perth": true, "glengarry": true, "frontenac": true, "dundas": true,
	"grenville": true, "algonquin": true, "zorra": true, "nissouri": true, "elgin": true,
	"lincoln": true, "garafraxa": true, "luther": true, "ferris": true, "cypress": true,
	"kootenay": true, "vancouver island": true, "okanagan": true, "london": true,
	"hollywood": true, "las": true, "los": true, "san": true, "st": true, "saint": true,
}

func extendDir(ws []string, end int) int {
	if end < len(ws) && directionals[ws[end]] != "" {
		switch w := ws[end]; {
		case end+1 == len(ws), len(w) <= 2, w == "ouest", w == "est", w == "nord", w == "sud":
			return end + 1
		case !dirLocalities[ws[end+1]]:
			return end + 1 // "280 Bloor Street West Toronto"
		}
	}
	return end
}
