package ingest

import (
	"reflect"
	"testing"
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
