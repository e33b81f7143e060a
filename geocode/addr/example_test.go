package addr_test

import (
	"fmt"

	"github.com/aidmap/aidmap/geocode/addr"
)

func ExampleParse() {
	p := addr.Parse("203-5171 221A Street, Langley BC V3A 4H6")
	fmt.Printf("unit=%q number=%q street=%q locality=%q region=%q postcode=%q country=%q\n",
		p.Unit, p.Number, p.Street, p.Locality, p.Region, p.Postcode, p.Country)

	q := addr.Parse("4500, rue Saint-Denis, Montréal (Québec) H2J 2L3")
	fmt.Printf("number=%q street=%q locality=%q region=%q postcode=%q\n",
		q.Number, q.Street, q.Locality, q.Region, q.Postcode)

	// The gazetteer stores points by the same keys the queries are parsed into.
	pt := addr.FromPoint("5171", "221A Street", "", "Langley", "British Columbia", "V3A4H6", "CA")
	fmt.Println(pt.Street == p.Street, pt.Number == p.Number, pt.Region == p.Region)
	// Output:
	// unit="203" number="5171" street="221a st" locality="langley" region="bc" postcode="V3A 4H6" country="CA"
	// number="4500" street="st denis st" locality="montreal" region="qc" postcode="H2J 2L3"
	// true true true
}

func ExampleStreet() {
	for _, s := range []string{"West 4th Avenue", "W. 4th Ave.", "Boulevard Saint-Laurent", "boul. St-Laurent", "rue Sainte-Catherine Ouest", "chemin de la Côte-des-Neiges"} {
		fmt.Printf("%-30s %s\n", s, addr.Street(s))
	}
	// Output:
	// West 4th Avenue                w 4 ave
	// W. 4th Ave.                    w 4 ave
	// Boulevard Saint-Laurent        st laurent blvd
	// boul. St-Laurent               st laurent blvd
	// rue Sainte-Catherine Ouest     st catherine st w
	// chemin de la Côte-des-Neiges   cote des neiges rd
}

func ExamplePostcode() {
	for _, s := range []string{"v6b1a1", "90210-1234", "sw1a2aa", "12345-"} {
		code, country := addr.Postcode(s)
		fmt.Printf("%q %q fsa=%q zip4=%q\n", code, country, addr.FSA(s), addr.ZIP4(s))
	}
	// Output:
	// "V6B 1A1" "CA" fsa="V6B" zip4=""
	// "90210" "US" fsa="" zip4="1234"
	// "SW1A 2AA" "GB" fsa="" zip4=""
	// "12345" "US" fsa="" zip4=""
}

func ExampleUndirected() {
	// A query that puts the directional on the other side from the data can be tried again
	// without it.
	fmt.Println(addr.Undirected(addr.Street("4th Avenue West")))
	fmt.Println(addr.Undirected(addr.Street("W 4th Ave")))
	// Output:
	// 4 ave w
	// 4 ave w
}
