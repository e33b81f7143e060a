package ingest

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
)

func TestSplitOneLine(t *testing.T) {
	tests := []struct {
		in   string
		want addressParts
	}{
		{"123 Main St, Victoria, BC V8W 1A1", addressParts{"123 Main St", "Victoria", "BC", "V8W 1A1", "CA"}},
		{"1450 Elford St, Victoria, BC", addressParts{"1450 Elford St", "Victoria", "BC", "", "CA"}},
		{"231 Regina Ave, Saanich, British Columbia", addressParts{"231 Regina Ave", "Saanich", "British Columbia", "", "CA"}},
		{"10 Gateway Blvd, Suite 104, Toronto ON M3C3A1", addressParts{"10 Gateway Blvd, Suite 104", "Toronto", "ON", "M3C 3A1", "CA"}},
		{"350 5th Ave, New York, NY 10118", addressParts{"350 5th Ave", "New York", "NY", "10118", "US"}},
		{"Waterside Road, Ashbourne DE6 1DG", addressParts{"Waterside Road", "Ashbourne", "", "DE6 1DG", "GB"}},
		{"1 Trinity Close, Ashby de la Zouch, Leicestershire, LE65 2GQ", addressParts{"1 Trinity Close, Ashby de la Zouch, Leicestershire", "", "", "LE65 2GQ", "GB"}},
		// Not split: no postcode and no region, a lower-case "on", a ZIP with no state.
		{"123 Main St, Victoria", addressParts{street: "123 Main St, Victoria"}},
		{"Church hall, on the corner", addressParts{street: "Church hall, on the corner"}},
		{"Rue du Port, 75011", addressParts{street: "Rue du Port, 75011"}},
		{"1240 Yates St", addressParts{street: "1240 Yates St"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := splitOneLine(tt.in); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSplitContacts(t *testing.T) {
	all := [3]bool{true, true, true}
	tests := []struct {
		name, in string
		take     [3]bool
		want     contacts
	}{
		{"labelled blob", "T: 07854 690694 E: info@arnold.example.org W: http://arnold.example.org/ Daybrook Church, Mansfield Road, Nottingham NG5 6AA", all,
			contacts{rest: "Daybrook Church, Mansfield Road, Nottingham NG5 6AA", phones: []string{"07854 690694"}, emails: []string{"info@arnold.example.org"}, sites: []string{"http://arnold.example.org/"}}},
		{"unlabelled", "12 High St (01234 567890) www.example.org.uk", all,
			contacts{rest: "12 High St", phones: []string{"01234 567890"}, sites: []string{"www.example.org.uk"}}},
		{"fax stays", "1 Main St Tel: 604-555-0100 Fax: 604-555-0199", all,
			contacts{rest: "1 Main St Fax: 604-555-0199", phones: []string{"604-555-0100"}}},
		{"phone not taken", "1 Main St T: 604-555-0100", [3]bool{false, true, true},
			contacts{rest: "1 Main St T: 604-555-0100", phones: []string{"604-555-0100"}}},
		{"labels stuck to values", "T: 01205 367400 or 07743 686999 E:info@bourne.example.org W:http://bourne.example.org Eastgate, Bourne PE10 9JY", all,
			contacts{rest: "Eastgate, Bourne PE10 9JY", phones: []string{"01205 367400", "07743 686999"}, emails: []string{"info@bourne.example.org"}, sites: []string{"http://bourne.example.org"}}},
		{"house numbers are not phones", "1240 Yates St, Unit 5 12", all, contacts{rest: "1240 Yates St, Unit 5 12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitContacts(tt.in, tt.take); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestSiteAddressBlob: the UK food banks list writes phone, e-mail and web address into the
// address cell; they move to their fields, with a warning, and the address keeps the rest.
func TestSiteAddressBlob(t *testing.T) {
	// The example mapping for the UK food banks file, plus its fifth column as phone numbers.
	f, err := os.Open("testdata/mapping/uk-foodbanks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ParseMapping(f)
	if err != nil {
		t.Fatalf("example mapping: %v", err)
	}
	m.Columns[FieldPhone] = "E"
	_, recs := readFixture(t, "address-blob.csv", TableOptions{Mapping: m})
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
				if p.Value != oneLine(recs[i].Get(FieldAddress)) {
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
	_, recs := readFixture(t, "one-line-address.csv", TableOptions{})
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
	if s.ExternalID != derivedID(s, unsplit) {
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
