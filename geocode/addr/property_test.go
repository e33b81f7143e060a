package addr

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// streetForms are street names as gazetteers and people write them, grouped by street.
// The property tests combine them with numbers, units, localities and regions.
var streetForms = [][]string{
	{"West 4th Avenue", "W 4th Ave", "W. 4th Ave.", "west fourth avenue"},
	{"221A Street", "221A St", "221a St."},
	{"East Hastings Street", "E Hastings St", "E. HASTINGS ST."},
	{"Boulevard Saint-Laurent", "boul. St-Laurent", "St. Laurent Blvd", "bd St-Laurent"},
	{"rue Sainte-Catherine Ouest", "rue Ste-Catherine O", "St. Catherine St. W.", "Sainte-Catherine St W"},
	{"chemin de la Côte-des-Neiges", "Côte-des-Neiges Road", "ch. de la Cote des Neiges"},
	{"rue Saint-Denis", "rue St-Denis", "St. Denis Street"},
	{"Queen Street West", "Queen St W", "QUEEN ST. W."},
	{"St. Clair Avenue East", "St Clair Ave E", "Saint Clair Ave. E"},
	{"Kingsway", "KINGSWAY"},
	{"East Broadway", "E Broadway"},
	{"Lougheed Highway", "Lougheed Hwy"},
	{"Highway 16", "Hwy 16", "HWY. 16"},
	{"Twenty-First Street East", "21st St E", "Twenty First St. E."},
	{"2e Avenue", "2nd Avenue", "Second Ave"},
	{"Avenue Road", "Avenue Rd"},
	{"Range Road 34", "Rge Road 34", "Rge Rd 34"},
	{"North Road", "North Rd"},
	{"Northwest Marine Drive", "NW Marine Dr", "N.W. Marine Dr."},
	{"Bowling Green Street", "Bowling Green St"},
	{"montée Masson", "Montée Masson"},
	{"Place Ville-Marie", "Ville Marie Place"},
	{"rue de l'Église", "Rue De L'Eglise"},
	{"Mount Pleasant Road", "Mt. Pleasant Rd"},
	{"Park Lane", "Park Ln"},
	{"Kitsilano Crescent", "Kitsilano Cres", "croissant Kitsilano"},
	{"Doris Bair Circle", "Doris Bair Cir"},
}

// queryTemplates write one address as a query: %[1]s number, %[2]s street, %[3]s unit.
var queryTemplates = []string{
	"%[1]s %[2]s",
	"%[1]s %[2]s, Vancouver, BC",
	"%[1]s %[2]s, Vancouver BC V6B 1A1",
	"%[1]s %[2]s, Suite %[3]s, Vancouver, BC",
	"%[1]s %[2]s Unit %[3]s",
	"%[1]s %[2]s #%[3]s, Langley, B.C.",
	"%[3]s-%[1]s %[2]s, Langley BC V3A 4H6",
	"#%[3]s - %[1]s %[2]s, Langley",
	"Apt %[3]s, %[1]s %[2]s, Toronto, ON M4R 1A3",
	"%[1]s, %[2]s, bureau %[3]s, Montréal (Québec) H2J 2L3",
	"%[1]s %[2]s, Montreal, Quebec, Canada",
	"%[1]s %[2]s, PO Box 55, Smithers BC",
	"Attn: Intake\n%[1]s %[2]s\nToronto, ON     M6K 1L2",
	"%[1]s %[2]s, London SW1A 2AA, UK",
	"%[1]s %[2]s, Stamford, CT 06902-1234",
}

// TestParseAgreesWithFromPoint is the property the index depends on: a point stored
// with FromPoint is found by the key Parse gives for the same address written as a
// query, for every street spelling, query shape and number form.
func TestParseAgreesWithFromPoint(t *testing.T) {
	numbers := []string{"5171", "12", "221A", "7"}
	units := []string{"203", "4B", "12"}
	for _, forms := range streetForms {
		want := Street(forms[0])
		for _, f := range forms {
			for i, num := range numbers {
				pt := FromPoint(num, f, "", "Vancouver", "BC", "", "CA")
				if pt.Street != want {
					t.Errorf("FromPoint(%q, %q).Street = %q, want %q (the key of %q)", num, f, pt.Street, want, forms[0])
				}
				for _, tmpl := range queryTemplates {
					unit := units[i%len(units)]
					q := fmt.Sprintf(tmpl, num, f, unit)
					p := Parse(q)
					if p.Street != pt.Street || p.Number != pt.Number {
						t.Errorf("Parse(%q) = number %q street %q; FromPoint(%q, %q) = number %q street %q",
							q, p.Number, p.Street, num, f, pt.Number, pt.Street)
					}
					if strings.Contains(tmpl, "%[3]s") && p.Unit != Unit(unit) {
						t.Errorf("Parse(%q).Unit = %q, want %q", q, p.Unit, Unit(unit))
					}
				}
			}
		}
	}
}

// TestStreetIdempotent: a key is its own key, so keys stored by one version of the
// index and keys computed again agree.
func TestStreetIdempotent(t *testing.T) {
	var inputs []string
	for _, forms := range streetForms {
		inputs = append(inputs, forms...)
	}
	for _, tc := range parseCases {
		inputs = append(inputs, tc.in)
	}
	// And every pair of words from a vocabulary of the tricky ones, in both orders.
	vocab := []string{"st", "ste", "saint", "rue", "avenue", "ave", "de", "la", "du", "l", "w", "west",
		"ouest", "o", "n", "north", "e", "est", "1st", "first", "twenty", "hwy", "99", "a", "221",
		"main", "road", "rd", "place", "chemin", "cote", "route", "no", "des", "nw", "mount", "fort"}
	for _, a := range vocab {
		for _, b := range vocab {
			inputs = append(inputs, a+" "+b)
			for _, c := range []string{"st", "main", "w", "de", "1"} {
				inputs = append(inputs, a+" "+b+" "+c, c+" "+a+" "+b)
			}
		}
	}
	for _, in := range inputs {
		k := Street(in)
		if k2 := Street(k); k2 != k {
			t.Errorf("Street(%q) = %q but Street(%q) = %q", in, k, k, k2)
		}
		if l := Locality(in); Locality(l) != l {
			t.Errorf("Locality(%q) = %q but Locality(%q) = %q", in, l, l, Locality(l))
		}
	}
}

// TestParseFieldsAreNormal: whatever Parse returns is already in the form of the function
// that normalises that field, so the geocoder can compare fields without normalising again.
func TestParseFieldsAreNormal(t *testing.T) {
	for _, tc := range parseCases {
		checkNormal(t, tc.in, Parse(tc.in))
	}
}

func checkNormal(t *testing.T, in string, p Parsed) {
	t.Helper()
	if p.Street != "" && Street(p.Street) != p.Street {
		t.Errorf("Parse(%q).Street = %q is not a Street key (%q)", in, p.Street, Street(p.Street))
	}
	if p.Locality != "" && Locality(p.Locality) != p.Locality {
		t.Errorf("Parse(%q).Locality = %q is not a Locality key (%q)", in, p.Locality, Locality(p.Locality))
	}
	if p.Place != "" && Locality(p.Place) != p.Place {
		t.Errorf("Parse(%q).Place = %q is not a Locality key (%q)", in, p.Place, Locality(p.Place))
	}
	if p.Postcode != "" {
		code, c := Postcode(p.Postcode)
		if code == "" {
			code, c = FSA(p.Postcode), "CA"
		}
		if code != p.Postcode || c != p.Country && p.Country != "" {
			t.Errorf("Parse(%q).Postcode = %q (country %q) is not a Postcode (%q, %q)", in, p.Postcode, p.Country, code, c)
		}
	}
	for name, v := range map[string]string{"Unit": p.Unit, "Number": p.Number, "POBox": p.POBox} {
		if strings.ContainsAny(v, " ,#") || v != strings.ToLower(v) {
			t.Errorf("Parse(%q).%s = %q: want lower case without spaces", in, name, v)
		}
	}
	if p.Country != "" && (len(p.Country) != 2 || p.Country != strings.ToUpper(p.Country)) {
		t.Errorf("Parse(%q).Country = %q: want an upper-case ISO code", in, p.Country)
	}
	if p.Place != "" && (p.Number != "" || p.Street != "") {
		t.Errorf("Parse(%q) has a place %q and a number %q or street %q", in, p.Place, p.Number, p.Street)
	}
}

func TestFromParts(t *testing.T) {
	tests := []struct {
		name                                              string
		street, unit, locality, region, postcode, country string
		want                                              Parsed
	}{
		{"csv row", "203-5171 221A Street", "", "Langley", "British Columbia", "v3a4h6", "Canada",
			Parsed{Unit: "203", Number: "5171", Street: "221a st", Locality: "langley", Region: "bc", Postcode: "V3A 4H6", Country: "CA"}},
		{"unit column wins", "5171 221A St", "Suite 4", "Langley", "BC", "", "",
			Parsed{Unit: "4", Number: "5171", Street: "221a st", Locality: "langley", Region: "bc", Country: "CA"}},
		{"street without type", "Highbury", "", "London", "", "N5 1AA", "",
			Parsed{Street: "highbury", Locality: "london", Postcode: "N5 1AA", Country: "GB"}},
		{"whole line in street", "4500 rue Saint-Denis, Montréal (Québec) H2J 2L3", "", "", "", "", "",
			Parsed{Number: "4500", Street: "st denis st", Locality: "montreal", Region: "qc", Postcode: "H2J 2L3", Country: "CA"}},
		{"country CA is Canada", "1 Main St", "", "Vancouver", "", "", "CA",
			Parsed{Number: "1", Street: "main st", Locality: "vancouver", Country: "CA"}},
		{"region CA is California", "1 Main St", "", "Los Angeles", "CA", "90012", "",
			Parsed{Number: "1", Street: "main st", Locality: "los angeles", Region: "ca", Postcode: "90012", Country: "US"}},
		{"bad postcode dropped", "1 Main St", "", "Vancouver", "BC", "not a code", "",
			Parsed{Number: "1", Street: "main st", Locality: "vancouver", Region: "bc", Country: "CA"}},
		{"fsa only", "1 Main St", "", "Vancouver", "BC", "V6B", "",
			Parsed{Number: "1", Street: "main st", Locality: "vancouver", Region: "bc", Postcode: "V6B", Country: "CA"}},
		{"po box", "PO Box 123", "", "Smithers", "BC", "V0J 2N0", "",
			Parsed{POBox: "123", Locality: "smithers", Region: "bc", Postcode: "V0J 2N0", Country: "CA"}},
		{"street named like a region", "Ontario", "", "Vancouver", "", "", "",
			Parsed{Street: "ontario", Locality: "vancouver"}},
		{"empty", "", "", "", "", "", "", Parsed{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromParts(tt.street, tt.unit, tt.locality, tt.region, tt.postcode, tt.country)
			if got != tt.want {
				t.Errorf("FromParts\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFromPoint(t *testing.T) {
	tests := []struct {
		name                                                      string
		number, street, unit, locality, region, postcode, country string
		want                                                      Parsed
	}{
		{"openaddresses", "101", "Banff Avenue", "", "Banff", "AB", "T1L 1A1", "",
			Parsed{Number: "101", Street: "banff ave", Locality: "banff", Region: "ab", Postcode: "T1L 1A1", Country: "CA"}},
		{"range number", "12-14", "High Street", "", "Oxford", "", "OX1 4AA", "GB",
			Parsed{Number: "12", Street: "high st", Locality: "oxford", Postcode: "OX1 4AA", Country: "GB"}},
		{"number in street", "", "5171 221A Street", "4", "Langley", "BC", "", "CA",
			Parsed{Unit: "4", Number: "5171", Street: "221a st", Locality: "langley", Region: "bc", Country: "CA"}},
		{"osm french", "4500", "Rue Saint-Denis", "", "Montréal", "Québec", "H2J 2L3", "CA",
			Parsed{Number: "4500", Street: "st denis st", Locality: "montreal", Region: "qc", Postcode: "H2J 2L3", Country: "CA"}},
		{"number twice", "5171", "5171 221A Street", "", "Langley", "BC", "", "",
			Parsed{Number: "5171", Street: "221a st", Locality: "langley", Region: "bc", Country: "CA"}},
		{"numbered street", "100", "20th Street", "", "", "", "", "",
			Parsed{Number: "100", Street: "20 st"}},
		{"zip+4", "1600", "Pennsylvania Avenue NW", "", "Washington", "DC", "20500-0003", "US",
			Parsed{Number: "1600", Street: "pennsylvania ave nw", Locality: "washington", Region: "dc", Postcode: "20500", ZIP4: "0003", Country: "US"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromPoint(tt.number, tt.street, tt.unit, tt.locality, tt.region, tt.postcode, tt.country)
			if got != tt.want {
				t.Errorf("FromPoint\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// FuzzNormaliseAddress checks that no text makes Parse or the key functions panic, and
// that what they return is normal: keys are their own keys and fields have their forms.
func FuzzNormaliseAddress(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Parse(s)
		checkNormal(t, s, p)
		if f := Fold(s); Fold(f) != f {
			t.Errorf("Fold(%q) = %q but Fold(%q) = %q", s, f, f, Fold(f))
		}
		k := Street(s)
		if Street(k) != k {
			t.Errorf("Street(%q) = %q but Street(%q) = %q", s, k, k, Street(k))
		}
		if l := Locality(s); Locality(l) != l {
			t.Errorf("Locality(%q) = %q but Locality(%q) = %q", s, l, l, Locality(l))
		}
		if r := Region(s); Region(r) != r && utf8.ValidString(s) {
			t.Errorf("Region(%q) = %q but Region(%q) = %q", s, r, r, Region(r))
		}
		if code, _ := Postcode(s); code != "" {
			if c2, _ := Postcode(code); c2 != code {
				t.Errorf("Postcode(%q) = %q but Postcode(%q) = %q", s, code, code, c2)
			}
		}
		FSA(s)
		Number(s)
		Unit(s)
		FromParts(s, s, s, s, s, s)
		FromPoint(s, s, s, s, s, s, s)
	})
}
