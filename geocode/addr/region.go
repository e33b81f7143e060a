package addr

import "strings"

// regionNames lists each Canadian province and territory and each US state (with DC and
// the inhabited territories) by its postal abbreviation, then the names and older
// abbreviations people write, in English and French. Multi-letter abbreviations written
// with dots ("B.C.", "C.-B.", "N.-É.") are matched letter by letter: see regionAbbrevs.
var regionNames = map[string]string{
	// Canada
	"bc": "british columbia, colombie britannique, bcol",
	"ab": "alberta, alta, alb",
	"sk": "saskatchewan, sask",
	"mb": "manitoba, man",
	"on": "ontario, ont",
	"qc": "quebec, que, pq, qbc",
	"nb": "new brunswick, nouveau brunswick",
	"ns": "nova scotia, nouvelle ecosse",
	"pe": "prince edward island, ile du prince edouard, pei",
	"nl": "newfoundland and labrador, newfoundland & labrador, newfoundland, terre neuve et labrador, terre neuve, nfld, nf",
	"yt": "yukon, yukon territory, yuk, yk",
	"nt": "northwest territories, territoires du nord ouest, nwt",
	"nu": "nunavut, nvt",
	// United States
	"al": "alabama, ala", "ak": "alaska", "az": "arizona, ariz", "ar": "arkansas, ark",
	"ca": "california, calif", "co": "colorado, colo", "ct": "connecticut, conn",
	"de": "delaware, del", "dc": "district of columbia, washington dc",
	"fl": "florida, fla", "ga": "georgia", "hi": "hawaii", "id": "idaho", "il": "illinois, ill",
	"in": "indiana, ind", "ia": "iowa", "ks": "kansas, kans", "ky": "kentucky",
	"la": "louisiana", "me": "maine", "md": "maryland", "ma": "massachusetts, mass",
	"mi": "michigan, mich", "mn": "minnesota, minn", "ms": "mississippi, miss",
	"mo": "missouri", "mt": "montana", "ne": "nebraska, nebr, neb", "nv": "nevada, nev",
	"nh": "new hampshire", "nj": "new jersey", "nm": "new mexico", "ny": "new york",
	"nc": "north carolina", "nd": "north dakota", "oh": "ohio", "ok": "oklahoma, okla",
	"or": "oregon, ore", "pa": "pennsylvania, penn, penna", "ri": "rhode island",
	"sc": "south carolina", "sd": "south dakota", "tn": "tennessee, tenn",
	"tx": "texas, tex", "ut": "utah", "vt": "vermont", "va": "virginia",
	"wa": "washington, wash", "wv": "west virginia", "wi": "wisconsin, wis, wisc",
	"wy": "wyoming, wyo",
	"pr": "puerto rico", "gu": "guam", "vi": "virgin islands, us virgin islands",
	"as": "american samoa", "mp": "northern mariana islands",
}

// regionAbbrevs are abbreviations written as separate letters ("B.C." folds to "b c"),
// keyed by the letters run together. "n e" is the French "N.-É." (Nova Scotia); Nebraska
// is only ever "NE" in one word.
var regionAbbrevs = map[string]string{
	"bc": "bc", "cb": "bc", "pq": "qc", "qc": "qc", "nb": "nb", "ne": "ns", "ns": "ns",
	"pei": "pe", "ipe": "pe", "tnl": "nl", "nwt": "nt", "tno": "nt", "nt": "nt", "yt": "yt",
	"ny": "ny", "dc": "dc", "nj": "nj", "nh": "nh", "nc": "nc", "sc": "sc", "nd": "nd",
	"sd": "sd", "nm": "nm", "ri": "ri", "wv": "wv", "pa": "pa", "ca": "ca", "tx": "tx",
	"nl": "nl", "pe": "pe", "ab": "ab", "sk": "sk", "mb": "mb", "on": "on", "nu": "nu",
}

// regionKeys maps a folded name or single-word abbreviation to its region code.
var regionKeys = func() map[string]string {
	m := make(map[string]string, 256)
	for code, names := range regionNames {
		m[code] = code
		for _, n := range strings.Split(names, ",") {
			if n = strings.TrimSpace(n); n != "" {
				m[Fold(n)] = code
			}
		}
	}
	return m
}()

// regionLastWords are the last words of the region names of more than one word, and
// lastShort the letters that end a dotted abbreviation: regionAt tries a phrase only when
// its last word is one of them.
var regionLastWords = func() map[string]bool {
	m := map[string]bool{}
	for k := range regionKeys {
		if i := strings.LastIndexByte(k, ' '); i >= 0 {
			m[k[i+1:]] = true
		}
	}
	for k := range regionAbbrevs {
		m[k[len(k)-1:]] = true
	}
	return m
}()

// canadianRegions are the province and territory codes; the others are US.
var canadianRegions = map[string]bool{
	"bc": true, "ab": true, "sk": true, "mb": true, "on": true, "qc": true, "nb": true,
	"ns": true, "pe": true, "nl": true, "yt": true, "nt": true, "nu": true,
}

// maxRegionWords is the most words a region name has ("ile du prince edouard").
const maxRegionWords = 5

// Region returns the postal abbreviation, in lower case, of a Canadian province or
// territory or a US state written any usual way: "British Columbia", "B.C.", "BC" and
// "C.-B." all give "bc"; "Québec", "QC", "PQ" give "qc"; "California" and "CA" give "ca".
// A region it does not know comes back folded, so it still compares across spellings.
func Region(s string) string {
	f := Fold(s)
	if code, ok := regionKeys[f]; ok {
		return code
	}
	if code, ok := regionAbbrevs[strings.ReplaceAll(f, " ", "")]; ok && allShort(f) {
		return code
	}
	return f
}

// allShort reports whether every word of the folded f is one or two letters long, the
// shape of a dotted abbreviation.
func allShort(f string) bool {
	n := 0
	for _, w := range strings.Fields(f) {
		if len(w) > 2 {
			return false
		}
		n++
	}
	return n > 1
}

// regionCountry returns the country of a region code, or "".
func regionCountry(code string) string {
	switch {
	case code == "":
		return ""
	case canadianRegions[code]:
		return "CA"
	case len(code) == 2 && regionKeys[code] == code:
		return "US"
	}
	return ""
}

// Country returns the ISO 3166-1 alpha-2 code of a country written as a name or code
// ("Canada", "CAN", "U.S.A.", "United Kingdom", "UK"), or "" when it is not one of those
// the normaliser knows. Any other two-letter code comes back upper-cased, as given.
func Country(s string) string {
	f := Fold(s)
	if c, ok := countries[f]; ok {
		return c
	}
	if c, ok := countries[strings.ReplaceAll(f, " ", "")]; ok && allShort(f) {
		return c
	}
	if f == "ca" {
		return "CA" // in a country field, "CA" is Canada
	}
	if len(f) == 2 && isLetters(f) {
		return strings.ToUpper(f)
	}
	return ""
}

// Locality returns the key of a city, town or neighbourhood name: folded, without a
// leading "City of" / "Ville de" / "Town of" / "Municipality of", and with every form of
// saint ("St.", "Ste", "Sainte") written "saint", "Mt" written "mount" and "Ft" written
// "fort", so "St. John's" = "Saint John's" = "saint johns" and "Montréal" = "montreal".
func Locality(s string) string {
	return localityKey(strings.Fields(Fold(s)))
}

var localityPrefixes = [][]string{
	{"city", "of"}, {"town", "of"}, {"village", "of"}, {"municipality", "of"},
	{"district", "of"}, {"township", "of"}, {"county", "of"}, {"borough", "of"},
	{"ville", "de"}, {"municipalite", "de"}, {"cite", "de"}, {"village", "de"},
	{"canton", "de"}, {"paroisse", "de"}, {"corporation", "of", "the", "city", "of"},
}

var localityWords = map[string]string{
	"st": "saint", "ste": "saint", "sainte": "saint", "mt": "mount", "ft": "fort",
	"pt": "point", "pte": "pointe",
}

func localityKey(ws []string) string {
	for _, p := range localityPrefixes {
		if len(ws) > len(p) && hasPrefixWords(ws, p) {
			ws = ws[len(p):]
			break
		}
	}
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c, ok := localityWords[w]; ok {
			w = c
		}
		b.WriteString(w)
	}
	return b.String()
}

func hasPrefixWords(ws, p []string) bool {
	for i := range p {
		if ws[i] != p[i] {
			return false
		}
	}
	return true
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
