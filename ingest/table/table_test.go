package table

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
)

// readAll reads every record of r, or stops at the first error.
func readAll(t testing.TB, r io.Reader, opts Options) (ingest.Dialect, []ingest.Record, error) {
	t.Helper()
	tr, err := NewReader(r, opts)
	if err != nil {
		return ingest.Dialect{}, nil, err
	}
	var recs []ingest.Record
	for {
		rec, err := tr.Next()
		if err == io.EOF {
			return tr.Dialect(), recs, nil
		}
		if err != nil {
			return tr.Dialect(), recs, err
		}
		recs = append(recs, rec)
	}
}

func readFixture(t *testing.T, name string, opts Options) (ingest.Dialect, []ingest.Record) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, recs, err := readAll(t, f, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d, recs
}

// fieldsOf returns the named fields of each record, for compact comparisons.
func fieldsOf(recs []ingest.Record, fields ...ingest.Field) [][]string {
	var out [][]string
	for _, r := range recs {
		var row []string
		for _, f := range fields {
			row = append(row, r.Get(f))
		}
		out = append(out, row)
	}
	return out
}

func TestEncodings(t *testing.T) {
	tests := []struct {
		file       string
		wantEnc    ingest.Encoding
		wantEnding ingest.LineEnding
		wantNames  []string
		wantCities []string
		wantNote   string // a substring of a dialect note, when one is expected
	}{
		{"bom.csv", ingest.EncodingUTF8BOM, ingest.LineEndingLF, []string{"Café Soleil"}, []string{"Montréal"}, ""},
		{"utf16le-bom.txt", ingest.EncodingUTF16LE, ingest.LineEndingCRLF, []string{"Café Soleil", "Maison “Bonne Mère”"}, []string{"Montréal", "Québec"}, ""},
		{"utf16le.txt", ingest.EncodingUTF16LE, ingest.LineEndingCRLF, []string{"Café Soleil", "Maison “Bonne Mère”"}, []string{"Montréal", "Québec"}, "no byte order mark"},
		{"utf16be-bom.txt", ingest.EncodingUTF16BE, ingest.LineEndingCRLF, []string{"Café Soleil", "Maison “Bonne Mère”"}, []string{"Montréal", "Québec"}, ""},
		{"windows1252.csv", ingest.EncodingWindows1252, ingest.LineEndingCRLF, []string{"Café Soleil"}, []string{"Montréal"}, "Windows-1252"},
		{"cr-only.csv", ingest.EncodingUTF8, ingest.LineEndingCR, []string{"Food Bank A", "Shelter\nB"}, []string{"", ""}, ""},
		{"crlf.csv", ingest.EncodingUTF8, ingest.LineEndingCRLF, []string{"Food Bank A", "Shelter B"}, []string{"", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, recs := readFixture(t, tt.file, Options{})
			if d.Encoding != tt.wantEnc {
				t.Errorf("encoding: got %q, want %q", d.Encoding, tt.wantEnc)
			}
			if d.LineEnding != tt.wantEnding {
				t.Errorf("line ending: got %q, want %q", d.LineEnding, tt.wantEnding)
			}
			var names, cities []string
			for _, r := range recs {
				names = append(names, r.Get(ingest.FieldName))
				cities = append(cities, r.Get(ingest.FieldCity))
			}
			if !reflect.DeepEqual(names, tt.wantNames) {
				t.Errorf("names: got %q, want %q", names, tt.wantNames)
			}
			if !reflect.DeepEqual(cities, tt.wantCities) {
				t.Errorf("cities: got %q, want %q", cities, tt.wantCities)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(d.Notes, "\n"), tt.wantNote) {
				t.Errorf("notes: got %q, want one containing %q", d.Notes, tt.wantNote)
			}
		})
	}
}

func TestWindows1252Text(t *testing.T) {
	_, recs := readFixture(t, "windows1252.csv", Options{})
	if got, want := recs[0].Get(ingest.FieldFees), "2 € – “free” if you can’t pay"; got != want {
		t.Errorf("fees: got %q, want %q", got, want)
	}
}

func TestCRLFInsideQuotedCell(t *testing.T) {
	_, recs := readFixture(t, "crlf.csv", Options{})
	if got, want := recs[0].Get(ingest.FieldAddress), "10 Main St\nVancouver, BC"; got != want {
		t.Errorf("address: got %q, want %q", got, want)
	}
	if got, want := recs[1].Row, 3; got != want {
		t.Errorf("second record row: got %d, want %d", got, want)
	}
	if got, want := recs[1].Line, 4; got != want {
		t.Errorf("second record line: got %d, want %d", got, want)
	}
}

func TestDialect(t *testing.T) {
	tests := []struct {
		file       string
		wantDelim  rune
		wantHeader bool
		wantFields map[string]ingest.Field // column name → field
		first      map[string]string
	}{
		{
			file: "french.csv", wantDelim: ';', wantHeader: true,
			wantFields: map[string]ingest.Field{"Nom": ingest.FieldName, "Adresse": ingest.FieldAddress, "Ville": ingest.FieldCity, "Code postal": ingest.FieldPostalCode, "Téléphone": ingest.FieldPhone},
			first:      map[string]string{"name": "Banque alimentaire du Plateau", "address": "12, rue Sainte-Catherine", "city": "Montréal", "postal_code": "H2X 1K4", "phone": "514-555-0100"},
		},
		{
			file: "services.tsv", wantDelim: '\t', wantHeader: true,
			wantFields: map[string]ingest.Field{"name": ingest.FieldName, "street": ingest.FieldAddress, "city": ingest.FieldCity, "hours": ingest.FieldHours},
			first:      map[string]string{"name": "Drop-in A", "address": "1 Hastings St, Unit 2", "city": "Vancouver", "hours": "Mon-Fri 9am-5pm"},
		},
		{
			file: "noheader.csv", wantDelim: ',', wantHeader: false,
			wantFields: map[string]ingest.Field{"column A": ingest.FieldNone, "column C": ingest.FieldNone, "column D": ingest.FieldNone},
			first:      map[string]string{},
		},
		{
			file: "icarol.csv", wantDelim: ',', wantHeader: true,
			wantFields: map[string]ingest.Field{"ResourceAgencyNum": ingest.FieldID, "PublicName": ingest.FieldName, "TaxonomyTerms": ingest.FieldCategory,
				"PhysicalAddress1": ingest.FieldAddress, "PhysicalAddress2": ingest.FieldUnit, "PhysicalCity": ingest.FieldCity,
				"PhysicalStateProvince": ingest.FieldRegion, "PhysicalPostalCode": ingest.FieldPostalCode, "PhysicalCountry": ingest.FieldCountry,
				"Latitude": ingest.FieldLat, "Longitude": ingest.FieldLon, "HoursOfOperation": ingest.FieldHours, "Phone1Number": ingest.FieldPhone,
				"AgencyStatus": ingest.FieldStatus, "ExcludeFromWebsite": ingest.FieldExclude, "PhysicalAddressIsPrivate": ingest.FieldConfidential,
				"LanguagesOffered": ingest.FieldLanguages, "AgencyDescription": ingest.FieldDescription},
			first: map[string]string{"id": "1001", "name": "Downtown Food Bank", "category": "Food Pantries", "address": "123 Main St",
				"unit": "Suite 4", "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "USA", "lat": "39.7817",
				"lon": "-89.6501", "hours": "Mon-Fri 9:00am-5:00pm", "phone": "(217) 555-0100", "status": "Active", "exclude": "No",
				"confidential": "No", "languages": "English; Spanish", "description": "Groceries for families"},
		},
		{
			file: "lonlat.csv", wantDelim: ',', wantHeader: true,
			wantFields: map[string]ingest.Field{"community": ingest.FieldCity, "operator_name": ingest.FieldName, "physical_address": ingest.FieldAddress, "coordinates": ingest.FieldCoordinates, "beds_total": ingest.FieldNone},
			first: map[string]string{"city": "Saanich", "name": "Friendship Centre", "address": "231 Regina Ave, Saanich, BC",
				"coordinates": "-123.3888785,48.4554526", "lat": "48.4554526", "lon": "-123.3888785"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, recs := readFixture(t, tt.file, Options{})
			if d.Delimiter != tt.wantDelim {
				t.Errorf("delimiter: got %q, want %q", d.Delimiter, tt.wantDelim)
			}
			if d.Header != tt.wantHeader {
				t.Errorf("header: got %v, want %v", d.Header, tt.wantHeader)
			}
			got := map[string]ingest.Field{}
			for _, c := range d.Columns {
				if _, ok := tt.wantFields[c.Name()]; ok {
					got[c.Name()] = c.Field
				}
			}
			for name, want := range tt.wantFields {
				if got[name] != want {
					t.Errorf("column %q: got field %q, want %q", name, got[name], want)
				}
			}
			if len(recs) == 0 {
				t.Fatal("got no records")
			}
			if f := recs[0].Fields(); !reflect.DeepEqual(f, tt.first) {
				t.Errorf("first record: got %q, want %q", f, tt.first)
			}
		})
	}
}

func TestNoHeaderRowsAndMapping(t *testing.T) {
	d, recs := readFixture(t, "noheader.csv", Options{})
	if got, want := len(recs), 3; got != want {
		t.Fatalf("records: got %d, want %d", got, want)
	}
	if got, want := recs[0].Row, 1; got != want {
		t.Errorf("first row: got %d, want %d", got, want)
	}
	if len(d.Unmapped()) != 5 {
		t.Errorf("unmapped: got %d columns, want 5", len(d.Unmapped()))
	}
	m := &Mapping{Columns: map[ingest.Field]string{ingest.FieldName: "C", ingest.FieldAddress: "4"}, Constants: map[ingest.Field]string{ingest.FieldCountry: "GB"}}
	d, recs = readFixture(t, "noheader.csv", Options{Mapping: m})
	got := fieldsOf(recs, ingest.FieldName, ingest.FieldAddress, ingest.FieldCountry)
	want := [][]string{
		{"Arnold foodbank", "T: 07854690694 E: info@arnold.example.org Daybrook Baptist Church Nottingham NG5 6AA", "GB"},
		{"Bassetlaw Food Bank", "", "GB"},
		{"Ashbourne Elim Church", "Waterside Road, Ashbourne DE6 1DG", "GB"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mapped: got %q, want %q", got, want)
	}
	if c, _ := d.Column(ingest.FieldName); c.By != ingest.ByMapping || c.Letter != "C" {
		t.Errorf("name column: got %+v, want column C by mapping", c)
	}
}

func TestHeaderDetection(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"known words", "Name,City\nA,B\n", true},
		{"unknown labels", "Foo,Bar,Baz\n1,2,3\n", true},
		{"coordinates in first row", "A,49.28,-123.1\nB,49.27,-123.2\n", false},
		{"email in first row", "A,a@example.org\nB,b@example.org\n", false},
		{"empty cell in first row", "Trussell Trust,East Midlands,,\nIndependent,East Midlands,x,\n", false},
		{"first row values repeat below", "Independent,Wales\nTrussell Trust,Wales\n", false},
		{"known word with data", "name,49.28\nx,49.27\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, err := readAll(t, strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Header != tt.want {
				t.Errorf("header: got %v, want %v", d.Header, tt.want)
			}
		})
	}
}

func TestDelimiterDetection(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want rune
	}{
		{"comma", "name,city\nA,B\n", ','},
		{"semicolon with commas in cells", "nom;adresse\nA;12, rue X\nB;3, rue Y, app. 4\n", ';'},
		{"tab with commas in cells", "name\taddress\nA\t1 Main St, Unit 2\nB\t2 Main St\n", '\t'},
		{"pipe", "name|city|phone\nA|B|1\nC|D|2\n", '|'},
		{"comma with quoted semicolons", "name,notes\nA,\"x;y;z\"\nB,\"p;q\"\n", ','},
		{"one column", "name\nA\nB\n", ','},
		{"decimal commas in semicolon file", "nom;lat;lon\nA;49,28;-123,1\nB;49,27;-123,2\n", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, err := readAll(t, strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Delimiter != tt.want {
				t.Errorf("delimiter: got %q, want %q", d.Delimiter, tt.want)
			}
		})
	}
}

func TestRowNumbers(t *testing.T) {
	// multiline.csv: header on line 1; records start on lines 2, 5 (after a blank line 4) and 7.
	d, recs := readFixture(t, "multiline.csv", Options{})
	type pos struct{ Row, Line int }
	var got []pos
	for _, r := range recs {
		got = append(got, pos{r.Row, r.Line})
	}
	want := []pos{{2, 2}, {4, 5}, {5, 7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows/lines: got %v, want %v", got, want)
	}
	if got, want := recs[1].Get(ingest.FieldAddress), "1008 Bathurst St\nToronto, ON     M5R 3G7"; got != want {
		t.Errorf("address: got %q, want %q", got, want)
	}
	if c, _ := d.Column(ingest.FieldName); c.Header != "NAME" {
		t.Errorf("name column: got %q, want NAME", c.Header)
	}
}

func TestRaggedRows(t *testing.T) {
	_, recs := readFixture(t, "ragged.csv", Options{})
	var got []int
	for _, r := range recs {
		got = append(got, len(r.Problems))
	}
	if want := []int{1, 1, 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("problems per row: got %v, want %v (%v)", got, want, recs)
	}
	if p := recs[0].Problems[0]; p.Severity != ingest.Warning || p.Row != 2 || !strings.Contains(p.Reason, "2 cells but the file has 3 columns") {
		t.Errorf("short row: got %v", p)
	}
	if p := recs[1].Problems[0]; p.Value != "extra cell" || !strings.Contains(p.Reason, "ignored") {
		t.Errorf("long row: got %v", p)
	}
	if got, want := recs[1].Get(ingest.FieldPhone), "604-555-0100"; got != want {
		t.Errorf("phone: got %q, want %q", got, want)
	}
}

func TestCombinedCoordinates(t *testing.T) {
	tests := []struct {
		file      string
		wantOrder ingest.CoordinateOrder
		want      [][]string // lat, lon
		warnings  []int      // problems per row
	}{
		{"latlon.csv", ingest.LatLon, [][]string{{"49.28", "-123.1"}, {"49.27", "-123.2"}, {"49.26", "-123.15"}}, []int{0, 0, 0}},
		// The third row, 2.35,48.85, fits either order: the file's lon,lat decides it.
		{"lonlat.csv", ingest.LonLat, [][]string{{"48.4554526", "-123.3888785"}, {"48.4263032", "-123.3416309"}, {"48.85", "2.35"}}, []int{0, 0, 0}},
		// Every value fits either order: the header decides.
		{"lonlat-header.csv", ingest.LonLat, [][]string{{"48.8566", "2.3522"}, {"45.7640", "4.8357"}}, []int{0, 0}},
		{"wkt.csv", ingest.OrderUnknown, [][]string{{"49.28", "-123.1"}, {"49.27", "-123.2"}, {"49.26", "-123.3"}}, []int{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			d, recs := readFixture(t, tt.file, Options{})
			if d.CoordinateOrder != tt.wantOrder {
				t.Errorf("order: got %q, want %q", d.CoordinateOrder, tt.wantOrder)
			}
			if got := fieldsOf(recs, ingest.FieldLat, ingest.FieldLon); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lat, lon: got %q, want %q", got, tt.want)
			}
			var got []int
			for _, r := range recs {
				got = append(got, len(r.Problems))
			}
			if !reflect.DeepEqual(got, tt.warnings) {
				t.Errorf("problems per row: got %v, want %v", got, tt.warnings)
			}
		})
	}
}

func TestAmbiguousCoordinatesWarn(t *testing.T) {
	_, recs, err := readAll(t, strings.NewReader("name,coordinates\nA,\"48.85,2.35\"\nB,\"not a place\"\nC,\"49.28,-123.1\"\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// C decides the file is lat,lon, so A is read that way without a warning; B is no pair.
	if got := fieldsOf(recs, ingest.FieldLat, ingest.FieldLon); !reflect.DeepEqual(got, [][]string{{"48.85", "2.35"}, {"", ""}, {"49.28", "-123.1"}}) {
		t.Errorf("lat, lon: got %q", got)
	}
	if len(recs[1].Problems) != 1 || recs[1].Problems[0].Field != "coordinates" {
		t.Errorf("row B problems: got %v, want one about coordinates", recs[1].Problems)
	}

	_, recs, err = readAll(t, strings.NewReader("name,coordinates\nA,\"48.85,2.35\"\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs[0].Problems) != 1 || !strings.Contains(recs[0].Problems[0].Reason, "unclear") {
		t.Errorf("ambiguous: got %v, want a warning", recs[0].Problems)
	}
}

func TestLocationColumnThatIsText(t *testing.T) {
	d, recs, err := readAll(t, strings.NewReader("name,location\nA,Church basement\nB,Community hall\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Column(ingest.FieldCoordinates); ok {
		t.Error("a text column called location was mapped to coordinates")
	}
	for _, r := range recs {
		if len(r.Problems) != 0 {
			t.Errorf("row %d: got problems %v, want none", r.Row, r.Problems)
		}
	}
}

func TestMappingFile(t *testing.T) {
	f, err := os.Open("testdata/mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMapping(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	d, recs := readFixture(t, "custom.csv", Options{Mapping: m})
	got := fieldsOf(recs, ingest.FieldName, ingest.FieldAddress, ingest.FieldLat, ingest.FieldLon, ingest.FieldCategory, ingest.FieldCountry, ingest.FieldCity)
	want := [][]string{
		{"Hot Meals", "1 Main St", "49.28", "-123.1", "free_meal", "CA", "Vancouver"},
		{"Hampers", "2 Main St", "49.27", "-123.2", "food_bank", "CA", "Vancouver"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(d.Unmapped()) != 0 {
		t.Errorf("unmapped: got %v, want none", d.Unmapped())
	}
}

func TestParseMapping(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *Mapping
		wantErr string
	}{
		{"flat", `{"name":"Program Name","lat":"Y_COORD","Code postal":"CP"}`,
			&Mapping{Columns: map[ingest.Field]string{ingest.FieldName: "Program Name", ingest.FieldLat: "Y_COORD", ingest.FieldPostalCode: "CP"}, Constants: map[ingest.Field]string{}}, ""},
		{"structured", `{"columns":{"nom":"C"},"constants":{"pays":"CA"},"delimiter":"tab","header":false,"encoding":"latin-1","coordinate_order":"lon,lat"}`,
			&Mapping{Columns: map[ingest.Field]string{ingest.FieldName: "C"}, Constants: map[ingest.Field]string{ingest.FieldCountry: "CA"}, Delimiter: '\t', Header: HeaderAbsent, Encoding: ingest.EncodingWindows1252, CoordinateOrder: ingest.LonLat}, ""},
		{"column number", `{"name": 3}`, &Mapping{Columns: map[ingest.Field]string{ingest.FieldName: "3"}, Constants: map[ingest.Field]string{}}, ""},
		{"unknown field", `{"colour":"C"}`, nil, `"colour" is not a field`},
		{"twice", `{"name":"A","nom":"B"}`, nil, "given twice"},
		{"not json", `name=A`, nil, "not a JSON object"},
		{"bad delimiter", `{"delimiter":"#"}`, nil, "delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMapping(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, aidmap.ErrInvalid) {
					t.Fatalf("got error %v, want one containing %q wrapping ErrInvalid", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tt.want) {
				t.Errorf("got %+v, want %+v", m, tt.want)
			}
		})
	}
}

func TestMappingMissingColumn(t *testing.T) {
	m := &Mapping{Columns: map[ingest.Field]string{ingest.FieldName: "Program"}}
	_, _, err := readAll(t, strings.NewReader("Name,City\nA,B\n"), Options{Mapping: m})
	if err == nil || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), `no column "Program"; its columns are "Name", "City"`) {
		t.Errorf("got %v, want an error naming the missing column and the file's columns", err)
	}
}

func TestStrayQuotes(t *testing.T) {
	_, recs := readFixture(t, "stray-quote.csv", Options{})
	if got := fieldsOf(recs, ingest.FieldName); !reflect.DeepEqual(got, [][]string{{`He said "hi" to me`}, {`12" pipe`}}) {
		t.Errorf("names: got %q", got)
	}
	if len(recs[0].Problems) != 1 || len(recs[1].Problems) != 0 {
		t.Errorf("problems: got %v and %v, want one warning on the first row only", recs[0].Problems, recs[1].Problems)
	}
}

func TestBlankRowsSkipped(t *testing.T) {
	in := "\n,,\nname,city\n\n,,\nA,B\n , \nC,D\n"
	tr, err := NewReader(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for {
		r, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r.Row)
	}
	if want := []int{6, 8}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows: got %v, want %v", rows, want)
	}
	if got, want := tr.Stats(), (Stats{Rows: 2, BlankRows: 3}); got != want {
		t.Errorf("stats: got %+v, want %+v", got, want)
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		opts     Options
		wantRows int
		wantErr  string
	}{
		{"line too long", "name,notes\nA," + strings.Repeat("x", 300) + "\n", Options{MaxRowBytes: 128}, 0, "line 2: the row is longer than 128 bytes"},
		{"line longer than the buffer", "name,notes\nA," + strings.Repeat("x", 70000) + "\n", Options{MaxRowBytes: 128}, 0, "line 2: the line is longer than 128 bytes"},
		{"quoted cell too long", "name,notes\nA,\"" + strings.Repeat("x\n", 200) + "\"\n", Options{MaxRowBytes: 128}, 0, "line 2: a quoted cell starting on this line runs on for more than 128 bytes"},
		{"too many columns", "a,b,c\n1,2,3\n1,2,3,4,5\n", Options{MaxColumns: 4}, 1, "line 3: the row has more than 4 cells"},
		{"too many rows", "name\nA\nB\nC\n", Options{MaxRows: 2}, 2, "line 4: the file has more than 2 rows"},
		{"unclosed quote", "name,city\nA,B\nC,\"D\nE,F\n", Options{}, 1, "line 3: a quoted cell starting on this line is never closed"},
		{"empty", "  \n\n", Options{}, 0, "the file is empty"},
		{"bad delimiter option", "a,b\n", Options{Delimiter: '#'}, 0, "delimiter '#' is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, recs, err := readAll(t, strings.NewReader(tt.in), tt.opts)
			var fe *ingest.FileError
			if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want a *FileError wrapping ErrInvalid containing %q", err, tt.wantErr)
			}
			if len(recs) != tt.wantRows {
				t.Errorf("rows before the error: got %d, want %d", len(recs), tt.wantRows)
			}
		})
	}
}

func TestErrorStaysAfterFailure(t *testing.T) {
	tr, err := NewReader(strings.NewReader("name\nA\nB\n"), Options{MaxRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	tr.Next()
	_, err1 := tr.Next()
	_, err2 := tr.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("got %v then %v, want the same error twice", err1, err2)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "name,city\nA,B\n"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestReadErrorIsNotInvalid(t *testing.T) {
	_, _, err := readAll(t, &failingReader{n: 1}, Options{})
	if err == nil || errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("got %v, want the I/O error, not ErrInvalid", err)
	}
}

func TestColumnLetters(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := ingest.ColumnLetter(i); got != want {
			t.Errorf("columnLetter(%d): got %q, want %q", i, got, want)
		}
		if got, ok := letterIndex(want); !ok || got != i {
			t.Errorf("letterIndex(%q): got %d, want %d", want, got, i)
		}
	}
}

func TestMaxRowsUnlimited(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("name\n")
	for i := 0; i < 10; i++ {
		b.WriteString("x\n")
	}
	_, recs, err := readAll(t, &b, Options{MaxRows: -1})
	if err != nil || len(recs) != 10 {
		t.Errorf("got %d rows, %v, want 10, nil", len(recs), err)
	}
}

// TestTitleRow: a title alone in the first row, above the column names, is skipped; rows keep
// their spreadsheet numbers.
func TestTitleRow(t *testing.T) {
	d, recs := readFixture(t, "title-row.csv", Options{})
	if !d.Header {
		t.Fatal("got no header, want the row after the title")
	}
	if got := fieldsOf(recs, ingest.FieldName, ingest.FieldLat); !reflect.DeepEqual(got, [][]string{{"Corner Pantry", "49.28"}, {"Harbour Food Bank", "49.29"}}) {
		t.Errorf("got %q", got)
	}
	if recs[0].Row != 4 {
		t.Errorf("first data row: got %d, want 4 (title 1, blank 2, header 3)", recs[0].Row)
	}
	if len(d.Notes) == 0 || !strings.Contains(d.Notes[0], "is a title above the column names") {
		t.Errorf("notes: got %q, want one about the title", d.Notes)
	}
}
