package ingest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/table"
)

// TestSiteAddressBlob: the UK food banks list writes phone, e-mail and web address into the
// address cell; they move to their fields, with a warning, and the address keeps the rest.
func TestSiteAddressBlob(t *testing.T) {
	// The example mapping for the UK food banks file, plus its fifth column as phone numbers.
	f, err := os.Open("testdata/mapping/uk-foodbanks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := table.ParseMapping(f)
	if err != nil {
		t.Fatalf("example mapping: %v", err)
	}
	m.Columns[ingest.FieldPhone] = "E"
	_, recs := readFixture(t, "address-blob.csv", table.Options{Mapping: m})
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	tests := []struct {
		street, locality, postcode, phone, email, website string
		moved                                             bool
	}{
		{"Daybrook Church Mansfield Road Nottingham", "", "NG5 6AA", "07700 900123", "info@arnold.example.org", "http://arnold.example.org/", true},
		{"Waterside Road", "Ashbourne", "DE6 1DG", "", "", "", false},
		// The phone column already has another number: the one in the address stays there.
		// A postcode alone in its part: the part before it may be a county, so no locality.
		{"T: 01234 567890 12 High St, Ashby", "", "LE65 2GQ", "01632 960001", "hello@ashby.example.org", "", true},
	}
	for i, tt := range tests {
		s, ps := recs[i].Site("org")
		a := s.Address
		if a.Street != tt.street || a.Locality != tt.locality || a.PostalCode != tt.postcode || a.Country != "GB" {
			t.Errorf("row %d address: got %+v, want %q, %q, %q, GB", recs[i].Row, a, tt.street, tt.locality, tt.postcode)
		}
		if s.Phone != tt.phone || s.Email != tt.email || s.Website != tt.website {
			t.Errorf("row %d contacts: got %q %q %q, want %q %q %q", recs[i].Row, s.Phone, s.Email, s.Website, tt.phone, tt.email, tt.website)
		}
		moved := false
		for _, p := range ps {
			if p.Field == "address" && strings.Contains(p.Reason, "moved out of it") {
				moved = true
				if p.Value != ingest.OneLine(recs[i].Get(ingest.FieldAddress)) {
					t.Errorf("row %d: warning value %q, want the cell as written", recs[i].Row, p.Value)
				}
			}
		}
		if moved != tt.moved {
			t.Errorf("row %d: moved warning %v, want %v (%v)", recs[i].Row, moved, tt.moved, ps)
		}
	}
}

// TestSiteOneLineAddress: Victoria's shelter list writes "231 Regina Ave, Saanich, BC" in an
// address column beside a community (city) column.
func TestSiteOneLineAddress(t *testing.T) {
	_, recs := readFixture(t, "one-line-address.csv", table.Options{})
	want := []aidmap.Address{
		{Street: "231 Regina Ave", Locality: "Saanich", Region: "BC", Country: "CA"},
		{Street: "1450 Elford St", Locality: "Victoria", Region: "BC", PostalCode: "V8S 3X1", Country: "CA"},
		// The address names another city than the column: left whole.
		{Street: "99 Oak St, Langford, BC", Locality: "Victoria"},
	}
	for i, w := range want {
		s, _ := recs[i].Site("org")
		if s.Address != w {
			t.Errorf("row %d: got %+v, want %+v", recs[i].Row, s.Address, w)
		}
	}
	// The derived ID is taken from the address as written, so it did not change with the split.
	s, _ := recs[0].Site("org")
	unsplit := aidmap.Address{Street: "231 Regina Ave, Saanich, BC", Locality: "Saanich"}
	if s.ExternalID != ingest.DerivedID(s, unsplit) {
		t.Errorf("external ID %q: want the one of the address as written", s.ExternalID)
	}
}

func TestSiteConfidentialKind(t *testing.T) {
	header := "name,city,type,lat,lon,confidential"
	tests := []struct {
		name, row string
		want      bool
		warn      bool
	}{
		{"transition house by type", "Harbour House,Victoria,transition_house,48.4,-123.3,", true, true},
		{"safe home by name", "Hilltop Safe Home,Duncan,shelter,48.7,-123.7,", true, true},
		{"said no", "Harbour House,Victoria,transition_house,48.4,-123.3,no", false, false},
		{"a food bank", "Corner Pantry,Victoria,food bank,48.4,-123.3,", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ps := siteOf(t, header, tt.row)
			warned := false
			for _, p := range ps {
				warned = warned || p.Field == "confidential"
			}
			if s.Confidential != tt.want || warned != tt.warn {
				t.Errorf("confidential %v, warned %v; want %v, %v (%v)", s.Confidential, warned, tt.want, tt.warn, ps)
			}
		})
	}
}
