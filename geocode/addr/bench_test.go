package addr

import (
	"strconv"
	"testing"
)

var benchAddresses = []string{
	"203-5171 221A Street, Langley BC V3A 4H6",
	"1234 W 4th Ave Vancouver",
	"4500, rue Saint-Denis, Montréal (Québec) H2J 2L3",
	"110 Eglinton Ave W, Suite 200\nToronto, ON     M4R 1A3",
	"10 Downing St, London SW1A 2AA, UK",
	"3122 16th St San Francisco, CA 94103",
	"PO Box 123, Smithers BC",
	"1 E CORDOVA ST, VANCOUVER, BC",
}

var sink Parsed

// BenchmarkParse measures Parse over a mix of typical addresses; ns/op is per address.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink = Parse(benchAddresses[i%len(benchAddresses)])
	}
}

var streetSink string

func BenchmarkStreet(b *testing.B) {
	names := []string{"West 4th Avenue", "Boulevard Saint-Laurent", "221A Street", "E Cordova St"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		streetSink = Street(names[i%len(names)])
	}
}

func BenchmarkFromPoint(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = FromPoint("5171", "221A Street", "", "Langley", "BC", "V3A 4H6", "CA")
	}
}

// BenchmarkParseEach measures each address of the mix alone: plain ASCII addresses skip
// the Unicode decomposition the accented ones pay for.
func BenchmarkParseEach(b *testing.B) {
	for i, a := range benchAddresses {
		b.Run(strconv.Itoa(i), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = Parse(a)
			}
		})
	}
}
