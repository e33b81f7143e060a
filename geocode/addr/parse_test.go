package addr

import (
	"strings"
	"testing"
)

// parseCases are addresses in the forms people and data sets write them (many copied in
// shape from Toronto 211, Vancouver open data, BC shelter lists, Trussell Trust food banks
// and Pelias's acceptance tests), with the parts Parse must find. Fields left empty in
// want must come back empty.
var parseCases = []struct {
	in   string
	want Parsed
}{
	// Canada, English.
	{"203-5171 221A Street, Langley BC V3A 4H6", Parsed{Unit: "203", Number: "5171", Street: "221a st", Locality: "langley", Region: "bc", Postcode: "V3A 4H6", Country: "CA"}},
	{"5171 221A St Unit 4", Parsed{Unit: "4", Number: "5171", Street: "221a st"}},
	{"5171 221A St, Unit 4, Langley, BC", Parsed{Unit: "4", Number: "5171", Street: "221a st", Locality: "langley", Region: "bc", Country: "CA"}},
	{"1234 W 4th Ave Vancouver", Parsed{Number: "1234", Street: "w 4 ave", Locality: "vancouver"}},
	{"1234 West Fourth Avenue, Vancouver, B.C.", Parsed{Number: "1234", Street: "w 4 ave", Locality: "vancouver", Region: "bc", Country: "CA"}},
	{"1 E BROADWAY, VANCOUVER, BC", Parsed{Number: "1", Street: "e broadway", Locality: "vancouver", Region: "bc", Country: "CA"}},
	{"1669 E Broadway Vancouver BC", Parsed{Number: "1669", Street: "e broadway", Locality: "vancouver", Region: "bc", Country: "CA"}},
	{"3454 Lougheed Hwy, Vancouver, BC", Parsed{Number: "3454", Street: "lougheed hwy", Locality: "vancouver", Region: "bc", Country: "CA"}},
	{"110 Eglinton Ave W, Suite 200\nToronto, ON     M4R 1A3", Parsed{Unit: "200", Number: "110", Street: "eglinton ave w", Locality: "toronto", Region: "on", Postcode: "M4R 1A3", Country: "CA"}},
	{"1229 Queen St W Toronto ON M6K1L2", Parsed{Number: "1229", Street: "queen st w", Locality: "toronto", Region: "on", Postcode: "M6K 1L2", Country: "CA"}},
	{"1756 St Clair Ave W\nToronto, ON     M6N 1J3", Parsed{Number: "1756", Street: "st clair ave w", Locality: "toronto", Region: "on", Postcode: "M6N 1J3", Country: "CA"}},
	{"11A Glen Watford Dr, Unit 220\nToronto, ON     M1S 2B8", Parsed{Unit: "220", Number: "11a", Street: "glen watford dr", Locality: "toronto", Region: "on", Postcode: "M1S 2B8", Country: "CA"}},
	{"3660-A Midland Ave\nToronto, ON     M1V 0B8", Parsed{Number: "3660a", Street: "midland ave", Locality: "toronto", Region: "on", Postcode: "M1V 0B8", Country: "CA"}},
	{"110 Drewry Ave, 3rd Fl\nToronto, ON M2M 1C8", Parsed{Number: "110", Street: "drewry ave", Locality: "toronto", Region: "on", Postcode: "M2M 1C8", Country: "CA"}},
	{"1652 Keele St, Lower Level, Toronto, ON M6M 3W3", Parsed{Number: "1652", Street: "keele st", Locality: "toronto", Region: "on", Postcode: "M6M 3W3", Country: "CA"}},
	{"1761 Sheppard Ave E, Ground Floor, Toronto", Parsed{Number: "1761", Street: "sheppard ave e", Locality: "toronto"}},
	{"2900 Warden Ave, Units 340, 331, Toronto, ON M1W 2S8", Parsed{Unit: "340", Number: "2900", Street: "warden ave", Locality: "toronto", Region: "on", Postcode: "M1W 2S8", Country: "CA"}},
	{"Atrium on Bay\n40 Dundas St W, Suite 200\nToronto, ON     M5G 2H1", Parsed{Unit: "200", Number: "40", Street: "dundas st w", Locality: "toronto", Region: "on", Postcode: "M5G 2H1", Country: "CA"}},
	{"10 Gateway Blvd, Ste 104, Toronto, Ontario M3C 3A1", Parsed{Unit: "104", Number: "10", Street: "gateway blvd", Locality: "toronto", Region: "on", Postcode: "M3C 3A1", Country: "CA"}},
	{"#200 - 1234 Main Street, Vancouver, British Columbia, Canada", Parsed{Unit: "200", Number: "1234", Street: "main st", Locality: "vancouver", Region: "bc", Country: "CA"}},
	{"Suite 200, 1234 Main St., Vancouver BC V6A 2T4", Parsed{Unit: "200", Number: "1234", Street: "main st", Locality: "vancouver", Region: "bc", Postcode: "V6A 2T4", Country: "CA"}},
	{"1234 Main St #200 Vancouver BC", Parsed{Unit: "200", Number: "1234", Street: "main st", Locality: "vancouver", Region: "bc", Country: "CA"}},
	{"Apt 4B, 55 Water St, Vancouver", Parsed{Unit: "4b", Number: "55", Street: "water st", Locality: "vancouver"}},
	{"Apartment 12 - 800 Bidwell Street, Vancouver", Parsed{Unit: "12", Number: "800", Street: "bidwell st", Locality: "vancouver"}},
	{"Room 301, 231 Regina Ave, Saanich, BC", Parsed{Unit: "301", Number: "231", Street: "regina ave", Locality: "saanich", Region: "bc", Country: "CA"}},
	{"268 Fulford-Ganges Rd, Salt Spring Island, BC ", Parsed{Number: "268", Street: "fulford ganges rd", Locality: "salt spring island", Region: "bc", Country: "CA"}},
	{"123 Main St West Vancouver BC", Parsed{Number: "123", Street: "main st", Locality: "west vancouver", Region: "bc", Country: "CA"}},
	{"123 Main St W Vancouver BC", Parsed{Number: "123", Street: "main st w", Locality: "vancouver", Region: "bc", Country: "CA"}},
	{"1450 Elford St, Victoria, BC, CA", Parsed{Number: "1450", Street: "elford st", Locality: "victoria", Region: "bc", Country: "CA"}},
	{"123 Avenue Rd, Toronto", Parsed{Number: "123", Street: "ave rd", Locality: "toronto"}},
	{"12 St. John's Rd, St. John's, NL A1E 2B7", Parsed{Number: "12", Street: "st johns rd", Locality: "saint johns", Region: "nl", Postcode: "A1E 2B7", Country: "CA"}},
	{"600 Queen St, Sault Ste. Marie, Ontario", Parsed{Number: "600", Street: "queen st", Locality: "sault saint marie", Region: "on", Country: "CA"}},
	{"45 Main St N, Moose Jaw, Sask. S6H 0V8", Parsed{Number: "45", Street: "main st n", Locality: "moose jaw", Region: "sk", Postcode: "S6H 0V8", Country: "CA"}},
	{"10010 100 St NW, Edmonton, AB T5J 0N3", Parsed{Number: "10010", Street: "100 st nw", Locality: "edmonton", Region: "ab", Postcode: "T5J 0N3", Country: "CA"}},
	{"23042 Twp Road 755 A", Parsed{Number: "23042", Street: "twp rd 755a"}},
	{"712046 Range Road 34, Grande Prairie County", Parsed{Number: "712046", Street: "rge rd 34", Locality: "grande prairie county"}},
	{"4567 Highway 16, Smithers, BC V0J 2N0", Parsed{Number: "4567", Street: "hwy 16", Locality: "smithers", Region: "bc", Postcode: "V0J 2N0", Country: "CA"}},
	{"101 Banff Avenue, Banff, Alberta", Parsed{Number: "101", Street: "banff ave", Locality: "banff", Region: "ab", Country: "CA"}},
	{"12 Twenty-First Street East, Saskatoon", Parsed{Number: "12", Street: "21 st e", Locality: "saskatoon"}},
	{"12-14 Main St, Vancouver", Parsed{Number: "12", Street: "main st", Locality: "vancouver"}},
	{"123 1/2 Main St, Vancouver", Parsed{Number: "123", Street: "main st", Locality: "vancouver"}},
	{"Vancouver V6B", Parsed{Place: "vancouver", Postcode: "V6B", Country: "CA"}},

	// PO boxes and rural routes: never a location.
	{"PO Box 123, Smithers BC", Parsed{POBox: "123", Place: "smithers", Region: "bc", Country: "CA"}},
	{"P.O. Box 4567, Stn Main, Whitehorse, YT Y1A 2C8", Parsed{POBox: "4567", Place: "whitehorse", Region: "yt", Postcode: "Y1A 2C8", Country: "CA"}},
	{"Box 12, Fort St. John, BC", Parsed{POBox: "12", Place: "fort saint john", Region: "bc", Country: "CA"}},
	{"1234 Main St, PO Box 55, Smithers BC V0J 2N0", Parsed{POBox: "55", Number: "1234", Street: "main st", Locality: "smithers", Region: "bc", Postcode: "V0J 2N0", Country: "CA"}},
	{"C.P. 123, succ. Centre-ville, Montréal QC H3C 3J7", Parsed{POBox: "123", Place: "montreal", Region: "qc", Postcode: "H3C 3J7", Country: "CA"}},
	{"Case postale 8888, Succursale Centre-Ville, Montréal (Québec) H3C 3P8", Parsed{POBox: "8888", Place: "montreal", Region: "qc", Postcode: "H3C 3P8", Country: "CA"}},
	{"Box 1234 RPO Main, Kamloops BC", Parsed{POBox: "1234", Place: "kamloops", Region: "bc", Country: "CA"}},
	{"RR 2, Site 5, Comp 12, Vernon BC", Parsed{Place: "vernon", Region: "bc", Country: "CA"}},
	{"General Delivery, Tofino BC V0R 2Z0", Parsed{Place: "tofino", Region: "bc", Postcode: "V0R 2Z0", Country: "CA"}},

	// Québec and French forms.
	{"4500, rue Saint-Denis, Montréal (Québec) H2J 2L3", Parsed{Number: "4500", Street: "st denis st", Locality: "montreal", Region: "qc", Postcode: "H2J 2L3", Country: "CA"}},
	{"4500 rue St-Denis, Montreal, QC H2J2L3", Parsed{Number: "4500", Street: "st denis st", Locality: "montreal", Region: "qc", Postcode: "H2J 2L3", Country: "CA"}},
	{"1234, boulevard René-Lévesque Ouest, bureau 200, Montréal (Québec) H3B 4W8", Parsed{Unit: "200", Number: "1234", Street: "rene levesque blvd w", Locality: "montreal", Region: "qc", Postcode: "H3B 4W8", Country: "CA"}},
	{"1234 René-Lévesque Blvd. W., Montreal, Quebec", Parsed{Number: "1234", Street: "rene levesque blvd w", Locality: "montreal", Region: "qc", Country: "CA"}},
	{"3175, chemin de la Côte-Sainte-Catherine, Montréal (Québec) H3T 1C5", Parsed{Number: "3175", Street: "cote st catherine rd", Locality: "montreal", Region: "qc", Postcode: "H3T 1C5", Country: "CA"}},
	{"3175 Cote Ste Catherine Rd, Montreal QC", Parsed{Number: "3175", Street: "cote st catherine rd", Locality: "montreal", Region: "qc", Country: "CA"}},
	{"1000, rue De La Gauchetière Ouest, local 3, Montréal, QC", Parsed{Unit: "3", Number: "1000", Street: "gauchetiere st w", Locality: "montreal", Region: "qc", Country: "CA"}},
	{"1000 rue Sherbrooke Est Montréal QC", Parsed{Number: "1000", Street: "sherbrooke st e", Locality: "montreal", Region: "qc", Country: "CA"}},
	{"155, 2e Avenue, Saint-Jean-sur-Richelieu (Québec) J2X 1N2", Parsed{Number: "155", Street: "2 ave", Locality: "saint jean sur richelieu", Region: "qc", Postcode: "J2X 1N2", Country: "CA"}},
	{"12, 1re Rue, Rouyn-Noranda QC", Parsed{Number: "12", Street: "1 st", Locality: "rouyn noranda", Region: "qc", Country: "CA"}},
	{"200, boul. Saint-Laurent, app. 4, Montréal", Parsed{Unit: "4", Number: "200", Street: "st laurent blvd", Locality: "montreal"}},
	{"200 St-Laurent Blvd, Apt 4, Montreal", Parsed{Unit: "4", Number: "200", Street: "st laurent blvd", Locality: "montreal"}},
	{"33, rue de l'Église, Ste-Foy (Québec)", Parsed{Number: "33", Street: "eglise st", Locality: "saint foy", Region: "qc", Country: "CA"}},
	{"1500, montée Masson, Laval, QC", Parsed{Number: "1500", Street: "masson mtee", Locality: "laval", Region: "qc", Country: "CA"}},
	{"825, rang Saint-Joseph, Sainte-Croix (Québec)", Parsed{Number: "825", Street: "st joseph rang", Locality: "saint croix", Region: "qc", Country: "CA"}},
	{"45, route 132, Sainte-Flavie, QC", Parsed{Number: "45", Street: "rte 132", Locality: "saint flavie", Region: "qc", Country: "CA"}},
	{"Bureau 310, 1, Place Ville Marie, Montréal (QC)", Parsed{Unit: "310", Number: "1", Street: "ville marie pl", Locality: "montreal", Region: "qc", Country: "CA"}},
	{"150 rue Principale, Gatineau, PQ J9H 3M3", Parsed{Number: "150", Street: "principale st", Locality: "gatineau", Region: "qc", Postcode: "J9H 3M3", Country: "CA"}},
	{"12 rue Main, Moncton, N.-B.", Parsed{Number: "12", Street: "main st", Locality: "moncton", Region: "nb", Country: "CA"}},
	{"5 rue Ste-Anne, Halifax, N.-É.", Parsed{Number: "5", Street: "st anne st", Locality: "halifax", Region: "ns", Country: "CA"}},

	// United States.
	{"450 37th st, new york, ny 11232", Parsed{Number: "450", Street: "37 st", Locality: "new york", Region: "ny", Postcode: "11232", Country: "US"}},
	{"1 water st manhattan ny", Parsed{Number: "1", Street: "water st", Locality: "manhattan", Region: "ny", Country: "US"}},
	{"101 saint marks pl 10009", Parsed{Number: "101", Street: "st marks pl", Postcode: "10009", Country: "US"}},
	{"186 Tuskegee St SE Atlanta GA", Parsed{Number: "186", Street: "tuskegee st se", Locality: "atlanta", Region: "ga", Country: "US"}},
	{"3122 16th St San Francisco, CA 94103", Parsed{Number: "3122", Street: "16 st", Locality: "san francisco", Region: "ca", Postcode: "94103", Country: "US"}},
	{"301 Commons Park S, Stamford, CT 06902", Parsed{Number: "301", Street: "commons park s", Locality: "stamford", Region: "ct", Postcode: "06902", Country: "US"}},
	{"9800 NW 41st Street, Suite 200, Miami, FL 33178-2980", Parsed{Unit: "200", Number: "9800", Street: "nw 41 st", Locality: "miami", Region: "fl", Postcode: "33178", ZIP4: "2980", Country: "US"}},
	{"1600 Pennsylvania Avenue NW, Washington, DC 20500", Parsed{Number: "1600", Street: "pennsylvania ave nw", Locality: "washington", Region: "dc", Postcode: "20500", Country: "US"}},
	{"350 Fifth Avenue, New York, New York 10118, USA", Parsed{Number: "350", Street: "5 ave", Locality: "new york", Region: "ny", Postcode: "10118", Country: "US"}},
	{"123 Main St NE, Minneapolis, MN", Parsed{Number: "123", Street: "main st ne", Locality: "minneapolis", Region: "mn", Country: "US"}},
	{"23 Huckleberry Hill, Fort Mitchell, KY", Parsed{Number: "23", Street: "huckleberry hill", Locality: "fort mitchell", Region: "ky", Country: "US"}},
	{"500 N Michigan Ave Apt 1210 Chicago IL 60611", Parsed{Unit: "1210", Number: "500", Street: "n michigan ave", Locality: "chicago", Region: "il", Postcode: "60611", Country: "US"}},

	// United Kingdom.
	{"10 Downing St, London SW1A 2AA, UK", Parsed{Number: "10", Street: "downing st", Locality: "london", Postcode: "SW1A 2AA", Country: "GB"}},
	{"10 Downing Street, London, sw1a2aa", Parsed{Number: "10", Street: "downing st", Locality: "london", Postcode: "SW1A 2AA", Country: "GB"}},
	{"14 - 18 Goods Station Road, Tunbridge Wells, Kent TN1 2BL", Parsed{Number: "14", Street: "goods station rd", Locality: "tunbridge wells", Postcode: "TN1 2BL", Country: "GB"}},
	{"84 – 86 Jane Street Edinburgh EH6 5HG", Parsed{Number: "84", Street: "jane st", Locality: "edinburgh", Postcode: "EH6 5HG", Country: "GB"}},
	{"Flat 2, 37 Plough Way, London SE16 2LS, United Kingdom", Parsed{Unit: "2", Number: "37", Street: "plough way", Locality: "london", Postcode: "SE16 2LS", Country: "GB"}},
	{"45 Montrose Avenue, Intake, DONCASTER South Yorkshire DN2 6PL", Parsed{Number: "45", Street: "montrose ave", Locality: "doncaster", Postcode: "DN2 6PL", Country: "GB"}},
	{"4 Poynernook Road Aberdeen AB11 5RW  Tel: 01224 596156", Parsed{Number: "4", Street: "poynernook rd", Locality: "aberdeen", Postcode: "AB11 5RW", Country: "GB"}},
	{"Church Annexe, Bowling Green Street, Methil", Parsed{Street: "bowling grn st", Locality: "methil"}},
	{"London, E3 3BT", Parsed{Place: "london", Postcode: "E3 3BT", Country: "GB"}},

	// Places, streets without numbers, postcodes alone.
	{"Kitsilano", Parsed{Place: "kitsilano"}},
	{"Langley BC", Parsed{Place: "langley", Region: "bc", Country: "CA"}},
	{"Downtown Eastside", Parsed{Place: "downtown eastside"}},
	{"Downtown Eastside, Vancouver", Parsed{Place: "downtown eastside", Locality: "vancouver"}},
	{"St. Catharines, Ontario", Parsed{Place: "saint catharines", Region: "on", Country: "CA"}},
	{"City of Montréal", Parsed{Place: "montreal"}},
	{"Québec", Parsed{Place: "quebec", Region: "qc", Country: "CA"}},
	{"New York", Parsed{Place: "new york", Region: "ny", Country: "US"}},
	{"BC", Parsed{Region: "bc", Country: "CA"}},
	{"Commercial Drive, Vancouver", Parsed{Street: "commercial dr", Locality: "vancouver"}},
	{"W 4th Ave", Parsed{Street: "w 4 ave"}},
	{"rue Sainte-Catherine Ouest, Montréal", Parsed{Street: "st catherine st w", Locality: "montreal"}},
	{"V6B 1A1", Parsed{Postcode: "V6B 1A1", Country: "CA"}},
	{"v6b1a1", Parsed{Postcode: "V6B 1A1", Country: "CA"}},
	{"90210-1234", Parsed{Postcode: "90210", ZIP4: "1234", Country: "US"}},
	{"starbucks 10010", Parsed{Place: "starbucks", Postcode: "10010", Country: "US"}},
	{"", Parsed{}},
	{"   ,,, ", Parsed{}},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.in, func(t *testing.T) {
			if got := Parse(tc.in); got != tc.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestStreet(t *testing.T) {
	// Each group is one street written several ways: all must give the first key.
	groups := [][]string{
		{"w 4 ave", "West 4th Avenue", "W. 4th Ave.", "W 4TH AVE", "west fourth avenue", "W 4 Av"},
		{"4 ave w", "Fourth Ave W", "4th Avenue West", "4e Avenue Ouest", "4th Ave. W."},
		{"st laurent blvd", "Boulevard Saint-Laurent", "boul. St-Laurent", "St. Laurent Blvd", "Saint Laurent Boulevard", "bd St-Laurent", "Boul St Laurent"},
		{"st catherine st w", "rue Sainte-Catherine Ouest", "rue Ste-Catherine O.", "St. Catherine St. W.", "Saint Catherine Street West", "Sainte-Catherine St W"},
		{"cote des neiges rd", "chemin de la Côte-des-Neiges", "Côte-des-Neiges Road", "ch. de la Cote des Neiges", "Cote Des Neiges Rd"},
		{"gauchetiere st w", "rue De La Gauchetière Ouest", "De la Gauchetiere St W", "rue de la Gauchetiere O"},
		{"st denis st", "rue Saint-Denis", "rue St-Denis", "St. Denis Street", "Saint Denis St"},
		{"221a st", "221A Street", "221a St.", "221 A Street"},
		{"e hastings st", "East Hastings Street", "E Hastings St", "E. HASTINGS ST."},
		{"e broadway", "East Broadway", "E Broadway"},
		{"1 ave", "1st Avenue", "First Avenue", "1re Avenue", "1ère avenue", "Premiere Avenue"},
		{"2 ave", "2nd Ave", "Second Avenue", "2e Avenue", "2ème Avenue", "Deuxième Avenue"},
		{"3 st", "3rd Street", "Third St", "3e Rue", "Troisième rue"},
		{"20 st", "20th Street", "Twentieth Street", "20e rue", "Vingtième Rue"},
		{"21 st", "21st St", "Twenty-First Street", "Twenty First St"},
		{"north rd", "North Road", "North Rd."},
		{"west blvd", "West Boulevard", "West Blvd"},
		{"hwy 99", "Highway 99", "Hwy 99", "HWY. 99"},
		{"hwy 20", "Autoroute 20", "Aut. 20", "Highway 20"},
		{"rte 132", "Route 132", "Rte 132"},
		{"trans canada hwy", "Trans-Canada Highway", "Trans Canada Hwy"},
		{"nw marine dr", "NW Marine Drive", "Northwest Marine Dr", "North West Marine Drive"},
		{"st clair ave w", "St. Clair Avenue West", "St Clair Ave W", "Saint Clair Ave. W"},
		{"mt pleasant rd", "Mount Pleasant Road", "Mt. Pleasant Rd"},
		{"kingsway", "Kingsway", "KINGSWAY"},
		{"lougheed hwy", "Lougheed Highway", "Lougheed Hwy"},
		{"ville marie pl", "Place Ville-Marie", "Ville Marie Place"},
		{"eglise st", "rue de l'Église", "rue de l Eglise", "Rue De L'Eglise"},
		{"obrien st", "O'Brien Street", "OBrien St", "O’Brien St."},
		{"twp rd 755a", "Twp Road 755 A", "Township Road 755 A", "twp rd 755a"},
		{"rge rd 34", "Rge Road 34", "Range Road 34"},
		{"pkwy", "Parkway"},
		{"park ave", "Park Avenue", "Park Ave.", "park av"},
		{"ave rd", "Avenue Road", "Avenue Rd"},
		{"bowling grn st", "Bowling Green Street", "Bowling Green St"},
		{"cres", "Crescent"},
		{"kitsilano cres", "Kitsilano Crescent", "Kitsilano Cres", "croissant Kitsilano"},
		{"oak ct", "Oak Court", "Oak Crt", "Oak Ct"},
		{"maple ln", "Maple Lane", "Maple Ln"},
		{"cedar terr", "Cedar Terrace", "Cedar Terr"},
		{"victoria sq", "Victoria Square", "Square Victoria", "Victoria Sq"},
		{"bear cir", "Bear Circle", "Bear Cir"},
		{"sea to sky trl", "Sea to Sky Trail", "Sea to Sky Trl"},
		{"", "", "  ", "-"},
	}
	for _, g := range groups {
		want := g[0]
		for _, in := range g[1:] {
			if got := Street(in); got != want {
				t.Errorf("Street(%q) = %q, want %q", in, got, want)
			}
		}
	}
}

func TestUndirected(t *testing.T) {
	tests := []struct{ in, street, dir string }{
		{"w 4 ave", "4 ave", "w"},
		{"4 ave w", "4 ave", "w"},
		{"st catherine st w", "st catherine st", "w"},
		{"nw marine dr", "marine dr", "nw"},
		{"north rd", "north rd", ""},
		{"n st nw", "n st nw", ""},
		{"main st", "main st", ""},
		{"e broadway", "broadway", "e"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if street, dir := Undirected(tt.in); street != tt.street || dir != tt.dir {
			t.Errorf("Undirected(%q) = %q, %q, want %q, %q", tt.in, street, dir, tt.street, tt.dir)
		}
	}
}

func TestLocality(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Montréal", "montreal"},
		{"MONTREAL", "montreal"},
		{"St. John's", "saint johns"},
		{"Saint John's", "saint johns"},
		{"St-Jean-sur-Richelieu", "saint jean sur richelieu"},
		{"Saint-Jean-sur-Richelieu", "saint jean sur richelieu"},
		{"Ste-Foy", "saint foy"},
		{"Sainte-Foy", "saint foy"},
		{"Sault Ste. Marie", "sault saint marie"},
		{"City of Vancouver", "vancouver"},
		{"Ville de Québec", "quebec"},
		{"Town of Banff", "banff"},
		{"Mt. Pearl", "mount pearl"},
		{"Fort St. John", "fort saint john"},
		{"Ft. St. John", "fort saint john"},
		{"North Vancouver", "north vancouver"},
		{"Trois-Rivières", "trois rivieres"},
		{"City", "city"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Locality(tt.in); got != tt.want {
			t.Errorf("Locality(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"British Columbia", "bc"}, {"B.C.", "bc"}, {"BC", "bc"}, {"bc", "bc"}, {"C.-B.", "bc"},
		{"Colombie-Britannique", "bc"},
		{"Québec", "qc"}, {"Quebec", "qc"}, {"QC", "qc"}, {"PQ", "qc"}, {"P.Q.", "qc"}, {"Qué.", "qc"},
		{"Ontario", "on"}, {"Ont.", "on"}, {"ON", "on"},
		{"Alberta", "ab"}, {"Alta.", "ab"}, {"Saskatchewan", "sk"}, {"Sask", "sk"},
		{"Manitoba", "mb"}, {"New Brunswick", "nb"}, {"Nouveau-Brunswick", "nb"}, {"N.-B.", "nb"},
		{"Nova Scotia", "ns"}, {"N.S.", "ns"}, {"Nouvelle-Écosse", "ns"}, {"N.-É.", "ns"},
		{"Prince Edward Island", "pe"}, {"P.E.I.", "pe"}, {"PEI", "pe"}, {"Î.-P.-É.", "pe"},
		{"Île-du-Prince-Édouard", "pe"},
		{"Newfoundland and Labrador", "nl"}, {"Nfld.", "nl"}, {"T.-N.-L.", "nl"}, {"NL", "nl"},
		{"Yukon", "yt"}, {"Northwest Territories", "nt"}, {"N.W.T.", "nt"}, {"T.N.-O.", "nt"},
		{"Nunavut", "nu"},
		{"California", "ca"}, {"CA", "ca"}, {"Calif.", "ca"},
		{"New York", "ny"}, {"N.Y.", "ny"}, {"NY", "ny"},
		{"Nebraska", "ne"}, {"NE", "ne"},
		{"District of Columbia", "dc"}, {"D.C.", "dc"},
		{"Washington", "wa"}, {"Texas", "tx"}, {"Massachusetts", "ma"},
		{"Greater London", "greater london"}, {"", ""},
	}
	for _, tt := range tests {
		if got := Region(tt.in); got != tt.want {
			t.Errorf("Region(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Canada", "CA"}, {"CA", "CA"}, {"CAN", "CA"}, {"ca", "CA"},
		{"USA", "US"}, {"U.S.A.", "US"}, {"United States", "US"}, {"US", "US"},
		{"United Kingdom", "GB"}, {"UK", "GB"}, {"U.K.", "GB"}, {"GB", "GB"}, {"England", "GB"},
		{"FR", "FR"}, {"Atlantis", ""}, {"", ""},
	}
	for _, tt := range tests {
		if got := Country(tt.in); got != tt.want {
			t.Errorf("Country(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPostcode(t *testing.T) {
	tests := []struct{ in, code, country, zip4, fsa string }{
		{"V6B 1A1", "V6B 1A1", "CA", "", "V6B"},
		{"v6b1a1", "V6B 1A1", "CA", "", "V6B"},
		{" v6b-1a1 ", "V6B 1A1", "CA", "", "V6B"},
		{"H2J 2L3", "H2J 2L3", "CA", "", "H2J"},
		{"K1A 0B1", "K1A 0B1", "CA", "", "K1A"},
		{"D6B 1A1", "", "", "", ""}, // no D in Canadian codes
		{"W6B 1A1", "", "", "", ""}, // W never first
		{"V6B 1O1", "", "", "", ""}, // no O
		{"90210", "90210", "US", "", ""},
		{"90210-1234", "90210", "US", "1234", ""},
		{"902101234", "90210", "US", "1234", ""},
		{"06902", "06902", "US", "", ""},
		{"9021", "", "", "", ""},
		{"SW1A 2AA", "SW1A 2AA", "GB", "", ""},
		{"sw1a2aa", "SW1A 2AA", "GB", "", ""},
		{"EC1A 1BB", "EC1A 1BB", "GB", "", ""},
		{"W1A 0AX", "W1A 0AX", "GB", "", ""},
		{"M1 1AE", "M1 1AE", "GB", "", ""},
		{"B33 8TH", "B33 8TH", "GB", "", ""},
		{"CR2 6XH", "CR2 6XH", "GB", "", ""},
		{"DN55 1PT", "DN55 1PT", "GB", "", ""},
		{"GIR 0AA", "GIR 0AA", "GB", "", ""},
		{"SW1A 2AC", "", "", "", ""}, // C is never in the inward code
		{"V6B", "", "", "", "V6B"},
		{"hello", "", "", "", ""},
		{"", "", "", "", ""},
		{"V6B 1A1 extra", "", "", "", ""},
	}
	for _, tt := range tests {
		code, country := Postcode(tt.in)
		if code != tt.code || country != tt.country {
			t.Errorf("Postcode(%q) = %q, %q, want %q, %q", tt.in, code, country, tt.code, tt.country)
		}
		if got := ZIP4(tt.in); got != tt.zip4 {
			t.Errorf("ZIP4(%q) = %q, want %q", tt.in, got, tt.zip4)
		}
		if got := FSA(tt.in); got != tt.fsa {
			t.Errorf("FSA(%q) = %q, want %q", tt.in, got, tt.fsa)
		}
	}
}

func TestNumberUnit(t *testing.T) {
	numbers := []struct{ in, want string }{
		{"5171", "5171"}, {"221A", "221a"}, {"221 A", "221a"}, {"12-14", "12"}, {"12 1/2", "12"},
		{" 36B ", "36b"}, {"", ""},
	}
	for _, tt := range numbers {
		if got := Number(tt.in); got != tt.want {
			t.Errorf("Number(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	units := []struct{ in, want string }{
		{"Suite 200", "200"}, {"Ste 200", "200"}, {"#200", "200"}, {"Unit 4", "4"}, {"Apt. 4B", "4b"},
		{"Apartment 12", "12"}, {"Bureau 310", "310"}, {"Local 3", "3"}, {"Room 117", "117"},
		{"4B", "4b"}, {"PH 2", "2"}, {"", ""},
	}
	for _, tt := range units {
		if got := Unit(tt.in); got != tt.want {
			t.Errorf("Unit(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Montréal", "montreal"},
		{"  Côte-des-Neiges  ", "cote des neiges"},
		{"O'Brien", "obrien"},
		{"St. John's", "st johns"},
		{"rue de l'Église", "rue de l eglise"},
		{"d’Youville", "d youville"},
		{"Straße", "strasse"},
		{"Œuvre", "oeuvre"},
		{"ÎLE-DU-PRINCE-ÉDOUARD", "ile du prince edouard"},
		{"a,b;;c", "a b c"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMore(t *testing.T) {
	tests := []struct {
		in   string
		want Parsed
	}{
		{"101 saint marks pl, new york", Parsed{Number: "101", Street: "st marks pl", Locality: "new york", Region: "ny", Country: "US"}},
		{"123 rue Saint-Jean, Québec", Parsed{Number: "123", Street: "st jean st", Locality: "quebec", Region: "qc", Country: "CA"}},
		{"1200 Albuquerque Rd, Albuquerque, New Mexico", Parsed{Number: "1200", Street: "albuquerque rd", Locality: "albuquerque", Region: "nm", Country: "US"}},
		{"280 Bloor Street West Toronto", Parsed{Number: "280", Street: "bloor st w", Locality: "toronto"}},
		{"5000 Yonge St North York ON", Parsed{Number: "5000", Street: "yonge st", Locality: "north york", Region: "on", Country: "CA"}},
		{"1 Grolmanstraße, Berlin, Germany", Parsed{Number: "1", Street: "grolmanstrasse", Locality: "berlin", Country: "DE"}},
		{"22 Lloyd George Ave, Toronto Ontario CA", Parsed{Number: "22", Street: "lloyd george ave", Locality: "toronto", Region: "on", Country: "CA"}},
		{"Hwy #1 E, Revelstoke, BC", Parsed{Street: "hwy 1 e", Locality: "revelstoke", Region: "bc", Country: "CA"}},
		{"5171 Lougheed Hwy #203, Burnaby", Parsed{Unit: "203", Number: "5171", Street: "lougheed hwy", Locality: "burnaby"}},
		{"No. 3 Road, Richmond, BC", Parsed{Street: "no 3 rd", Locality: "richmond", Region: "bc", Country: "CA"}},
		{"8671 No. 3 Road, Richmond, BC", Parsed{Number: "8671", Street: "no 3 rd", Locality: "richmond", Region: "bc", Country: "CA"}},
		{"2nd Floor, 123 Main St, Vancouver", Parsed{Number: "123", Street: "main st", Locality: "vancouver"}},
		{"c/o Food Bank, 123 Main St, Vancouver", Parsed{Number: "123", Street: "main st", Locality: "vancouver"}},
		{"12 Ste-Anne St, Ste 4, Ottawa", Parsed{Unit: "4", Number: "12", Street: "st anne st", Locality: "ottawa"}},
		{"5, 2e Rue, Bureau 2, Shawinigan", Parsed{Unit: "2", Number: "5", Street: "2 st", Locality: "shawinigan"}},
		{"West Mount Hope Avenue MI USA", Parsed{Street: "w mt hope ave", Region: "mi", Country: "US"}},
		{"100 Rue Ontario", Parsed{Number: "100", Street: "ontario st"}},
		{"100 Avenue Quebec, Rouyn-Noranda", Parsed{Number: "100", Street: "quebec ave", Locality: "rouyn noranda"}},
		{"4B-5171 Main St, Vancouver", Parsed{Unit: "4b", Number: "5171", Street: "main st", Locality: "vancouver"}},
		{"123 Main St Suite 200-B Vancouver", Parsed{Unit: "200b", Number: "123", Street: "main st", Locality: "vancouver"}},
		{"123 A Main St, Vancouver", Parsed{Number: "123a", Street: "main st", Locality: "vancouver"}},
		{"123 A St SE, Washington, DC", Parsed{Number: "123", Street: "a st se", Locality: "washington", Region: "dc", Country: "US"}},
		{"123 E Main St", Parsed{Number: "123", Street: "e main st"}},
		{"400 W 3rd St #105, Los Angeles, California 90013", Parsed{Unit: "105", Number: "400", Street: "w 3 st", Locality: "los angeles", Region: "ca", Postcode: "90013", Country: "US"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got := Parse(tc.in)
			if got != tc.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
			checkNormal(t, tc.in, got)
		})
	}
}

// TestLeadTypesEndAsTypes: a type moved after the name must read as a type there, or
// Street would not be idempotent.
func TestLeadTypesEndAsTypes(t *testing.T) {
	for w, canon := range leadTypes {
		if suffixTypes[canon] != canon {
			t.Errorf("leadTypes[%q] = %q, which is not a suffix type", w, canon)
		}
	}
}

// TestParseLongInput: a huge text costs no more than its first maxInput bytes.
func TestParseLongInput(t *testing.T) {
	long := "12 Main St, Vancouver BC" + strings.Repeat(" 1 a", 100000)
	p := Parse(long)
	if p.Number != "12" || p.Street != "main st" {
		t.Errorf("Parse(long) = %+v, want number 12 on main st", p)
	}
	if k := Street(strings.Repeat("Québec ", 10000)); len(k) > maxInput {
		t.Errorf("Street(long) is %d bytes, want at most %d", len(k), maxInput)
	}
}
