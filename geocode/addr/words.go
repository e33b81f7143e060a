package addr

import "strings"

// The word lists below are keyed on folded words (see Fold). Each canonical form is the
// short one Canada Post and USPS use, so that "Avenue", "Ave", "Av." and the French
// "avenue" all meet at "ave".

// suffixTypes are street types written after the name ("Main Street", "W 4th Ave").
var suffixTypes = words(map[string]string{
	"st":   "street str strt rue",
	"ave":  "avenue av avn aven avenu",
	"blvd": "boulevard boul bd blv boulv",
	"rd":   "road",
	"dr":   "drive drv driv",
	"cres": "crescent cr cresc crscnt croissant crois",
	"ct":   "court crt",
	"pl":   "place",
	"ln":   "lane",
	"way":  "wy",
	"hwy":  "highway hway hiway autoroute aut",
	"pkwy": "parkway pky pkway",
	"terr": "terrace ter tce terrasse tsse",
	"sq":   "square carre",
	"cir":  "circle circ crcl",
	"trl":  "trail sentier",
	"aly":  "alley",
	"cl":   "close",
	"gdns": "gardens gdn",
	"grv":  "grove",
	"hts":  "heights",
	"mews": "",
	"row":  "",
	"walk": "",
	"gate": "",
	"loop": "",
	"path": "",
	"pt":   "point",
	"expy": "expressway",
	"fwy":  "freeway",
	"byp":  "bypass",
	"line": "",
	"sdrd": "sideroad",
	"conc": "concession",
	"rte":  "route",
	"prom": "promenade",
	"cv":   "cove",
	"grn":  "green",
	"rdg":  "ridge",
	"ests": "estates",
	"crcs": "circus",
	"via":  "",
	"psge": "passage",
	// The forms leadTypes move to the end must read as types there too.
	"imp":       "impasse",
	"allee":     "",
	"mtee":      "montee",
	"rang":      "",
	"quai":      "",
	"esplanade": "",
	"lndg":      "landing",
})

// leadTypes are street types written before the name, as French does ("rue Saint-Denis",
// "chemin de la Côte-des-Neiges"). The key moves them after the name in their English
// form ("st denis st", "cote des neiges rd") so that a street matches however a bilingual
// city writes it; "Highway 99", "Route 132" and "Rang 4" keep their order.
var leadTypes = variants(map[string]string{
	"st":        "rue",
	"ave":       "avenue av",
	"blvd":      "boulevard boul bd blvd",
	"rd":        "chemin ch chem",
	"pl":        "place",
	"cres":      "croissant crois",
	"terr":      "terrasse tsse",
	"imp":       "impasse imp",
	"allee":     "allee",
	"prom":      "promenade prom",
	"mtee":      "montee mtee",
	"rang":      "rang rg",
	"rte":       "route rte",
	"hwy":       "autoroute aut highway hwy",
	"sq":        "carre square",
	"trl":       "sentier",
	"ln":        "ruelle",
	"quai":      "quai",
	"esplanade": "esplanade",
})

// nameOnlyStreets are street names that carry no type but end a street all the same, so
// that "1 E Broadway Vancouver" finds its locality.
var nameOnlyStreets = map[string]bool{
	"broadway": true, "kingsway": true, "esplanade": true, "boardwalk": true,
	"causeway": true, "strand": true, "crossway": true, "queensway": true,
}

// directionals maps compass words in English and French to their English letters.
var directionals = words(map[string]string{
	"n":  "north nord",
	"s":  "south sud",
	"e":  "east est",
	"w":  "west ouest o",
	"ne": "northeast nordest",
	"nw": "northwest nordouest",
	"se": "southeast sudest",
	"sw": "southwest sudouest",
})

// nameWords are words inside street names that people abbreviate. "st", "saint", "ste",
// "sainte" all become "st": "rue Sainte-Catherine" is "St. Catherine Street" to many
// Montrealers, and the gender of a saint is not worth a failed match.
var nameWords = words(map[string]string{
	"st":   "saint sainte ste",
	"mt":   "mount mont",
	"ft":   "fort",
	"rge":  "range",
	"twp":  "township",
	"pt":   "point pointe",
	"hwy":  "highway",
	"pkwy": "parkway",
})

// ordinalWords maps spelled ordinals in English and French to their number.
var ordinalWords = map[string]int{
	"first": 1, "premier": 1, "premiere": 1,
	"second": 2, "deuxieme": 2, "seconde": 2,
	"third": 3, "troisieme": 3,
	"fourth": 4, "quatrieme": 4,
	"fifth": 5, "cinquieme": 5,
	"sixth": 6, "sixieme": 6,
	"seventh": 7, "septieme": 7,
	"eighth": 8, "huitieme": 8,
	"ninth": 9, "neuvieme": 9,
	"tenth": 10, "dixieme": 10,
	"eleventh": 11, "onzieme": 11,
	"twelfth": 12, "douzieme": 12,
	"thirteenth": 13, "treizieme": 13,
	"fourteenth": 14, "quatorzieme": 14,
	"fifteenth": 15, "quinzieme": 15,
	"sixteenth": 16, "seizieme": 16,
	"seventeenth": 17, "dixseptieme": 17,
	"eighteenth": 18, "dixhuitieme": 18,
	"nineteenth": 19, "dixneuvieme": 19,
	"twentieth": 20, "vingtieme": 20,
	"thirtieth": 30, "trentieme": 30,
	"fortieth": 40, "quarantieme": 40,
	"fiftieth": 50, "cinquantieme": 50,
	"sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90,
	"hundredth": 100, "centieme": 100,
}

// tensWords start a compound ordinal: "twenty first" is 21.
var tensWords = map[string]int{
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
	"eighty": 80, "ninety": 90,
}

// unitWords introduce a unit, suite or apartment number. "ste" is handled apart: it is
// also "Sainte".
var unitWords = map[string]bool{
	"suite": true, "unit": true, "apt": true, "apartment": true, "app": true, "appt": true,
	"appartement": true, "bureau": true, "bur": true, "local": true, "room": true, "rm": true,
	"office": true, "flat": true, "logement": true, "log": true, "ph": true, "penthouse": true,
	"bldg": true, "building": true, "bay": true, "porte": true, "lot": true, "space": true,
	"spc": true, "trlr": true, "ofc": true, "units": true, "suites": true, "rooms": true,
	"apts": true, "bureaux": true, "locaux": true, "offices": true, "loc": true,
}

// floorWords name a floor, which is dropped: no gazetteer has floors.
var floorWords = map[string]bool{
	"floor": true, "fl": true, "flr": true, "etage": true, "level": true, "lvl": true,
	"niveau": true,
}

// floorPhrases are whole floor names without a number.
var floorPhrases = map[string]bool{
	"ground": true, "main": true, "lower": true, "upper": true, "basement": true,
	"mezzanine": true, "rez": true, "sous": true, "top": true,
}

// countries maps the ways people write a country to its ISO 3166-1 alpha-2 code. Only
// the countries the normaliser knows the forms of are here.
var countries = map[string]string{
	"canada": "CA", "can": "CA",
	"usa": "US", "us": "US", "united states": "US", "united states of america": "US",
	"etats unis": "US",
	"uk":         "GB", "gb": "GB", "gbr": "GB", "united kingdom": "GB", "great britain": "GB",
	"england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
	"royaume uni": "GB",
	// Countries people add to addresses the normaliser does not parse, so that their
	// names do not end up as the locality.
	"france": "FR", "germany": "DE", "deutschland": "DE", "allemagne": "DE",
	"ireland": "IE", "irlande": "IE", "australia": "AU", "aus": "AU",
	"new zealand": "NZ", "italy": "IT", "italia": "IT", "spain": "ES", "espana": "ES",
	"portugal": "PT", "netherlands": "NL", "nederland": "NL", "belgium": "BE",
	"belgique": "BE", "switzerland": "CH", "suisse": "CH", "austria": "AT", "finland": "FI",
	"sweden": "SE", "norway": "NO", "denmark": "DK", "poland": "PL", "hungary": "HU",
	"slovenia": "SI", "belarus": "BY", "russia": "RU", "ukraine": "UA", "india": "IN",
	"china": "CN", "japan": "JP", "south africa": "ZA", "brazil": "BR", "philippines": "PH",
}

// variants is words without the canonical forms mapping to themselves: "st" written
// before a name is Saint, not a street type to move.
func variants(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)*2)
	for canon, vs := range m {
		for _, v := range strings.Fields(vs) {
			out[v] = canon
		}
	}
	return out
}

// words inverts a canonical → variants table into variant → canonical, the canonical
// form mapping to itself.
func words(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)*3)
	for canon, variants := range m {
		out[canon] = canon
		for _, v := range strings.Fields(variants) {
			out[v] = canon
		}
	}
	return out
}

// ukCounties are the British counties and county-like areas people write after the post
// town; Parse drops them from the locality of a British address.
var ukCounties = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Split("avon,bedfordshire,berkshire,buckinghamshire,cambridgeshire,cheshire,"+
		"cleveland,cornwall,cumbria,derbyshire,devon,dorset,durham,county durham,co durham,essex,"+
		"gloucestershire,hampshire,herefordshire,hertfordshire,isle of wight,kent,lancashire,"+
		"leicestershire,lincolnshire,middlesex,norfolk,northamptonshire,northumberland,"+
		"nottinghamshire,oxfordshire,rutland,shropshire,somerset,staffordshire,suffolk,surrey,"+
		"east sussex,west sussex,sussex,warwickshire,wiltshire,worcestershire,north yorkshire,"+
		"south yorkshire,west yorkshire,east yorkshire,east riding of yorkshire,yorkshire,"+
		"greater london,greater manchester,merseyside,tyne and wear,west midlands,"+
		"fife,lothian,midlothian,east lothian,west lothian,lanarkshire,north lanarkshire,"+
		"south lanarkshire,ayrshire,north ayrshire,south ayrshire,east ayrshire,aberdeenshire,"+
		"angus,perthshire,perth and kinross,stirlingshire,dumfriesshire,dumfries and galloway,"+
		"highland,argyll,argyll and bute,renfrewshire,dunbartonshire,moray,"+
		"gwynedd,clwyd,dyfed,powys,gwent,glamorgan,mid glamorgan,south glamorgan,west glamorgan,"+
		"pembrokeshire,carmarthenshire,ceredigion,conwy,denbighshire,flintshire,anglesey,"+
		"county antrim,co antrim,antrim,county down,co down,county armagh,co armagh,"+
		"county tyrone,co tyrone,county londonderry,co londonderry,county fermanagh,co fermanagh", ",") {
		m[c] = true
	}
	return m
}()
