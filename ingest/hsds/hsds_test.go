package hsds

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
)

func readHSDS(t *testing.T, h *Reader) []siteResult {
	t.Helper()
	var out []siteResult
	for {
		rec, err := h.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		s, ps := rec.Site("org")
		out = append(out, siteResult{row: rec.Row, site: s, problems: reasons(ps), all: ps})
	}
}

func openHSDS(t *testing.T, name string) ([]siteResult, *Reader) {
	t.Helper()
	h, err := Open(filepath.Join("testdata", name), Options{Today: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return readHSDS(t, h), h
}

type hsdsWant struct {
	id        string
	name      string
	lat, lon  float64
	precision aidmap.Precision
	cats      []aidmap.Category
	problems  []string
}

func checkSites(t *testing.T, got []siteResult, want []hsdsWant) {
	t.Helper()
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("got %s %q %v", g.site.ExternalID, g.site.Name, g.all)
		}
		t.Fatalf("got %d sites, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.row != i+1 {
			t.Errorf("site %d: got row %d", i+1, g.row)
		}
		if g.site.ExternalID != w.id || g.site.Name != w.name {
			t.Errorf("site %d: got %q %q, want %q %q", i+1, g.site.ExternalID, g.site.Name, w.id, w.name)
		}
		if g.site.Lat != w.lat || g.site.Lon != w.lon || g.site.Precision != w.precision {
			t.Errorf("site %d (%s): got %v,%v %q, want %v,%v %q", i+1, w.name, g.site.Lat, g.site.Lon, g.site.Precision, w.lat, w.lon, w.precision)
		}
		if !reflect.DeepEqual(g.site.Categories, w.cats) {
			t.Errorf("site %d (%s): got categories %v, want %v", i+1, w.name, g.site.Categories, w.cats)
		}
		if !reflect.DeepEqual(g.problems, w.problems) {
			t.Errorf("site %d (%s): got problems %q, want %q (%v)", i+1, w.name, g.problems, w.problems, g.all)
		}
	}
}

var wantV1 = []hsdsWant{
	{"s1@l1", "Community Food Bank – Downtown Hall", 25.7617, -80.1918, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryFoodBank}, nil},
	{"s1@l2", "Community Food Bank – North Annex", 25.85, -80.18, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryFoodBank}, nil},
	{"s3@l1", "Legal Clinic", 25.7617, -80.1918, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryLegalAid}, nil},
	{"s2@l3", "Shower Program – West Church", 0, 0, "", []aidmap.Category{aidmap.CategoryHygiene}, []string{"warning hours", "warning hours"}},
	{"s2@l4", "Shower Program – Shifted Row", 0, 0, "", []aidmap.Category{aidmap.CategoryHygiene}, []string{"warning lat", "warning hours", "warning hours"}},
	{"s5@l2", "Old Soup Kitchen", 25.85, -80.18, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryFreeMeal}, []string{"skipped status"}},
	{"location:l5", "Storage Depot", 25.7, -80.3, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryOther}, []string{"warning "}},
}

func TestHSDSDatapackage(t *testing.T) {
	for _, name := range []string{"v1", "v1.zip"} {
		t.Run(name, func(t *testing.T) {
			got, h := openHSDS(t, name)
			checkSites(t, got, wantV1)
			notes := strings.Join(h.Dialect().Notes, "\n")
			for _, want := range []string{`service "s9" at location "l1"`, "1 services have no location", "Crisis Line"} {
				if !strings.Contains(notes, want) {
					t.Errorf("notes %q do not say %q", notes, want)
				}
			}
		})
	}
}

func TestHSDSDatapackageFields(t *testing.T) {
	got, _ := openHSDS(t, "v1")
	food := got[0].site
	if want := (aidmap.Address{Street: "100 Harbour St", Unit: "Suite 2", Locality: "Miami", Region: "FL", PostalCode: "33101"}); food.Address != want {
		t.Errorf("got address %+v, want %+v (state padded, country blank)", food.Address, want)
	}
	if food.Description != "Groceries for families.\nBring ID." {
		t.Errorf("got description %q, want the \\n escape undone", food.Description)
	}
	if food.Phone != "+1 305-555-0111 ext. 12" {
		t.Errorf("got phone %q, want the service's with its extension", food.Phone)
	}
	if got[2].site.Phone != "+1 305-555-0100" || got[3].site.Phone != "+1 305-555-0199" {
		t.Errorf("got phones %q %q, want the location's then the organisation's", got[2].site.Phone, got[3].site.Phone)
	}
	if want := []string{"en", "es", "ht"}; !reflect.DeepEqual(food.Languages, want) {
		t.Errorf("got languages %v, want %v (service's and location's)", food.Languages, want)
	}
	wantWeekly := []aidmap.Period{{Day: time.Monday, Open: 540, Close: 1020}, {Day: time.Wednesday, Open: 540, Close: 1020}}
	if !reflect.DeepEqual(food.Hours.Weekly, wantWeekly) || food.Hours.Notes != "" {
		t.Errorf("got hours %+v, want %+v from \"9:00am\" rows without notes", food.Hours, wantWeekly)
	}
	if got[2].site.Hours.Weekly[0] != (aidmap.Period{Day: time.Tuesday, Open: 780, Close: 990}) {
		t.Errorf("got %+v, want Tuesday 13:00-16:30 by service_at_location_id", got[2].site.Hours.Weekly)
	}
	// holiday_schedules: the closures ahead of Today become exceptions to the weekly hours;
	// without weekly hours they stay text, since an exception alone would read as "closed
	// every other day".
	wantEx := []aidmap.Exception{{Date: "2025-12-24", Closed: true}, {Date: "2025-12-25", Closed: true}, {Date: "2025-12-26", Closed: true}}
	if !reflect.DeepEqual(food.Hours.Exceptions, wantEx) {
		t.Errorf("got exceptions %+v, want %+v (the past 2025-01-01 left out)", food.Hours.Exceptions, wantEx)
	}
	if shower := got[3].site; shower.Hours.Known() || shower.Hours.Notes != "Fridays when volunteers are in; Holidays: closed 2025-07-04" {
		t.Errorf("got hours %+v, want the original text and the holiday kept as notes", shower.Hours)
	}
	if food.Eligibility != "Residents of Miami-Dade" || food.Fees != "Free" || food.Website != "https://harbour.example.org" || food.Email != "info@harbour.example.org" {
		t.Errorf("got eligibility %q fees %q website %q email %q", food.Eligibility, food.Fees, food.Website, food.Email)
	}
	for _, p := range got[4].all {
		if p.Field == "lat" && (!strings.Contains(p.Reason, "shifted") || !strings.Contains(p.Column, "locations.csv row 5")) {
			t.Errorf("got %+v, want a shifted-columns warning naming locations.csv row 5", p)
		}
	}
}

func TestHSDSJSON(t *testing.T) {
	tests := []struct {
		file  string
		want  []hsdsWant
		notes []string
	}{
		{"v3-organization.json", []hsdsWant{
			{"S1@L1", "Food Hamper Program – Johnson St Hall", 48.4284, -123.3656, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryFoodBank}, nil},
			{"S1@L3", "Food Hamper Program – Fernwood Church", 0, 0, "", []aidmap.Category{aidmap.CategoryFoodBank}, []string{"warning address"}},
			{"S2@L2", "Drop-in Centre", 0, 0, "", []aidmap.Category{aidmap.CategoryDropIn}, []string{"warning hours", "rejected lat"}},
			{"location:L4", "Storage Office", 48.43, -123.36, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryOther}, []string{"warning "}},
		}, []string{"Helpline"}},
		{"v3-page.json", []hsdsWant{
			{"S9@L9", "Night Shelter", 48.42, -123.37, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryShelter}, nil},
			{"S10@L10", "Shower Program", 48.43, -123.38, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryHygiene}, nil},
		}, nil},
		{"v3-array.json", []hsdsWant{
			{"location:L20", "Community Kitchen on Pine", 45.5, -73.6, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryCommunityKitchen}, nil},
		}, []string{"Tax Clinic", "Org Without Services"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, h := openHSDS(t, tt.file)
			checkSites(t, got, tt.want)
			notes := strings.Join(h.Dialect().Notes, "\n")
			for _, n := range tt.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes %q do not name %q", notes, n)
				}
			}
		})
	}
	t.Run("fields", func(t *testing.T) {
		got, _ := openHSDS(t, "v3-organization.json")
		s := got[0].site
		want := []aidmap.Period{{Day: time.Tuesday, Open: 600, Close: 840}, {Day: time.Thursday, Open: 600, Close: 840}}
		if !reflect.DeepEqual(s.Hours.Weekly, want) {
			t.Errorf("got hours %+v, want %+v", s.Hours.Weekly, want)
		}
		if s.Phone != "+1 250-555-0100 ext. 5" || !reflect.DeepEqual(s.Languages, []string{"en", "fr"}) || s.Website != "https://island.example.org" {
			t.Errorf("got phone %q languages %v website %q", s.Phone, s.Languages, s.Website)
		}
		if s.Address != (aidmap.Address{Street: "10 Johnson St", Locality: "Victoria", Region: "BC", PostalCode: "V8W 1A1", Country: "CA"}) {
			t.Errorf("got address %+v", s.Address)
		}
		got, _ = openHSDS(t, "v3-page.json")
		if w := got[0].site.Hours.Weekly; len(w) != 7 || w[0].Open != 1200 || w[0].Close != 480 {
			t.Errorf("got %+v, want 20:00-08:00 every day", w)
		}
	})
}

// csvFS builds a datapackage from table texts.
func csvFS(tables map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range tables {
		fsys[name] = &fstest.MapFile{Data: []byte(strings.TrimLeft(text, "\n"))}
	}
	return fsys
}

func TestHSDSDatapackageVariants(t *testing.T) {
	t.Run("Ohana: services.location_id and addresses.csv", func(t *testing.T) {
		h, err := ReadPackage(csvFS(map[string]string{
			"locations.csv": "id,organization_id,name,transportation,latitude,longitude\n1,1,Main,,49.28,-123.1\n2,1,Second,39.428192,-119.897426,\n",
			"services.csv":  "id,location_id,name,status\n1,1,Food Bank,active\n2,2,Young Minds,active\n",
			"addresses.csv": "id,location_id,address_1,city,state_province,postal_code,country\n2,2,4830 Highland Drive,Example City,CA,90210,US\n",
		}), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkSites(t, readHSDS(t, h), []hsdsWant{
			{"1@1", "Food Bank", 49.28, -123.1, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryFoodBank}, nil},
			{"2@2", "Young Minds", 0, 0, "", []aidmap.Category{aidmap.CategoryOther}, []string{"warning lat"}},
		})
	})
	t.Run("shifted without an address is rejected", func(t *testing.T) {
		h, err := ReadPackage(csvFS(map[string]string{
			"data/locations.csv": "id,name,transportation,latitude,longitude\n2,Second,39.428192,-119.897426,\n",
		}), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := readHSDS(t, h)
		if len(got) != 1 || len(got[0].problems) == 0 || got[0].problems[0] != "rejected lat" {
			t.Fatalf("got %+v, want the shifted row rejected", got)
		}
	})
	t.Run("3.0 tabular: schedules, attributes, taxonomy_terms", func(t *testing.T) {
		h, err := ReadPackage(csvFS(map[string]string{
			"locations.csv":           "id,location_type,name,latitude,longitude\nL1,physical,Hall,48.4,-123.3\nL2,physical,Test,100,101\n",
			"services.csv":            "id,organization_id,name,status\nS1,O1,Programme A,active\n",
			"service_at_location.csv": "id,service_id,location_id\nSAL1,S1,L1\nSAL2,S1,L2\n",
			"schedules.csv":           "id,service_id,location_id,service_at_location_id,freq,interval,byday,opens_at,closes_at\nX,S1,,,WEEKLY,1,\"MO,FR\",09:00,12:00\n",
			"attributes.csv":          "id,link_id,taxonomy_term_id,link_type,link_entity\nA1,S1,T1,,service\n",
			"taxonomy_terms.csv":      "id,code,name\nT1,BD-1800,Food Pantries\n",
		}), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := readHSDS(t, h)
		checkSites(t, got, []hsdsWant{
			{"S1@L1", "Programme A – Hall", 48.4, -123.3, aidmap.PrecisionExact, []aidmap.Category{aidmap.CategoryFoodBank}, nil},
			{"S1@L2", "Programme A – Test", 0, 0, "", []aidmap.Category{aidmap.CategoryFoodBank}, []string{"rejected lat"}},
		})
		if w := got[0].site.Hours.Weekly; len(w) != 2 || w[0].Day != time.Monday || w[1].Day != time.Friday {
			t.Errorf("got %+v, want Monday and Friday", w)
		}
	})
	t.Run("aidmap:external_id attributes key their sites; other terms and entities do not", func(t *testing.T) {
		h, err := ReadPackage(csvFS(map[string]string{
			"locations.csv":            "id,name,latitude,longitude\nL1,Hall,48.4,-123.3\nL2,Annex,48.5,-123.3\nL3,Shed,48.6,-123.3\n",
			"services.csv":             "id,name\nS1,Food Bank\n",
			"services_at_location.csv": "id,service_id,location_id\nX1,S1,L1\nX2,S1,L2\nX3,S1,L3\n",
			"attributes.csv": "id,link_id,taxonomy_term_id,link_type,link_entity,value\n" +
				"A1,X1,K,service_at_location,service_at_location,site-17\n" +
				"A2,X2,OTHER,service_at_location,service_at_location,not-a-key\n" +
				"A3,S1,K,service,service,not-a-key-either\n" +
				"A4,X3,K,service_at_location,service_at_location,\n" +
				"A5,S1,F,service,service,\n",
			"taxonomy_terms.csv": "id,code,name\nK,aidmap:external_id,aidmap:external_id\nOTHER,x,Colour\nF,food_bank,food_bank\n",
		}), Options{})
		if err != nil {
			t.Fatal(err)
		}
		food := []aidmap.Category{aidmap.CategoryFoodBank}
		checkSites(t, readHSDS(t, h), []hsdsWant{
			{"site-17", "Food Bank – Hall", 48.4, -123.3, aidmap.PrecisionExact, food, nil},
			{"S1@L2", "Food Bank – Annex", 48.5, -123.3, aidmap.PrecisionExact, food, nil},
			{"S1@L3", "Food Bank – Shed", 48.6, -123.3, aidmap.PrecisionExact, food, nil},
		})
	})
	t.Run("unknown taxonomy terms give one warning", func(t *testing.T) {
		h, err := ReadPackage(csvFS(map[string]string{
			"locations.csv":            "id,name,latitude,longitude\nL1,Hall,48.4,-123.3\n",
			"services.csv":             "id,name\nS1,Programme A\n",
			"services_taxonomy.csv":    "id,service_id,taxonomy_id\n1,S1,T1\n2,S1,T2\n",
			"taxonomy.csv":             "id,name\nT1,Tax Preparation\nT2,Bicycle Repair\n",
			"services_at_location.csv": "id,service_id,location_id\nX,S1,L1\n",
		}), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := readHSDS(t, h)
		if len(got) != 1 || !reflect.DeepEqual(got[0].problems, []string{"warning category"}) || !strings.Contains(got[0].all[0].Value, "Bicycle Repair") {
			t.Fatalf("got %+v, want one category warning listing the terms", got)
		}
	})
}

func TestHSDSFileErrors(t *testing.T) {
	tests := []struct {
		name   string
		fsys   fstest.MapFS
		reason string
	}{
		{"no tables", fstest.MapFS{"README.md": {Data: []byte("hi")}}, "no CSV tables"},
		{"no locations", csvFS(map[string]string{"services.csv": "id,name\n1,A\n"}), "no locations.csv"},
		{"unclosed quote", csvFS(map[string]string{"locations.csv": "id,name\n1,\"A\n"}), "locations.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPackage(tt.fsys, Options{})
			var fe *ingest.FileError
			if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("got %v, want a *FileError wrapping ErrInvalid saying %q", err, tt.reason)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		fsys := csvFS(map[string]string{"locations.csv": "id,name,latitude,longitude\n" + strings.Repeat("1,A,1,1\n", 1000)})
		_, err := ReadPackage(fsys, Options{MaxBytes: 1000})
		var fe *ingest.FileError
		if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "larger than") {
			t.Fatalf("got %v, want a size error", err)
		}
	})
}

func TestHSDSJSONErrors(t *testing.T) {
	tests := []struct{ name, input, reason string }{
		{"empty", "", "empty"},
		{"not JSON", "id,name\n", "not valid JSON"},
		{"a number", "42", "not HSDS JSON"},
		{"nothing HSDS", `{"foo": 1}`, "no HSDS"},
		{"too deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), "nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.input), Options{})
			var fe *ingest.FileError
			if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("got %v, want a *FileError wrapping ErrInvalid saying %q", err, tt.reason)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		_, err := ReadJSON(strings.NewReader(`{"name":"`+strings.Repeat("x", 5000)+`"}`), Options{MaxBytes: 1000})
		var fe *ingest.FileError
		if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "larger than") {
			t.Fatalf("got %v, want a size error", err)
		}
	})
}

// zipOf builds a zip archive in memory; entries whose name starts with "!" are stored
// uncompressed under the rest of the name.
func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHSDSZipLimits(t *testing.T) {
	loc := []byte("id,name,latitude,longitude\n1,A,49.2,-123.1\n")
	tests := []struct {
		name   string
		files  map[string][]byte
		opts   Options
		reason string
	}{
		{"path traversal", map[string][]byte{"../locations.csv": loc}, Options{}, "outside the archive"},
		{"absolute path", map[string][]byte{"/etc/locations.csv": loc}, Options{}, "outside the archive"},
		{"zip bomb", map[string][]byte{"locations.csv": append(loc, bytes.Repeat([]byte{' '}, 4<<20)...)}, Options{}, "zip bomb"},
		{"too large", map[string][]byte{"locations.csv": loc, "services.csv": bytes.Repeat([]byte("x"), 2000)}, Options{MaxBytes: 1000}, "unpacks to more than"},
		{"too many entries", map[string][]byte{"locations.csv": loc, "a.txt": nil, "b.txt": nil}, Options{MaxEntries: 2}, "3 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := zipOf(t, tt.files)
			_, err := ReadZip(bytes.NewReader(data), int64(len(data)), tt.opts)
			var fe *ingest.FileError
			if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrInvalid) || !strings.Contains(fe.Reason, tt.reason) {
				t.Fatalf("got %v, want a *FileError wrapping ErrInvalid saying %q", err, tt.reason)
			}
		})
	}
	t.Run("not a zip", func(t *testing.T) {
		_, err := ReadZip(strings.NewReader("PK\x03\x04junk"), 8, Options{})
		if !errors.Is(err, aidmap.ErrInvalid) {
			t.Fatalf("got %v, want ErrInvalid", err)
		}
	})
	t.Run("a zip read through Open", func(t *testing.T) {
		name := filepath.Join(t.TempDir(), "export.zip")
		if err := os.WriteFile(name, zipOf(t, map[string][]byte{"export/data/locations.csv": loc}), 0o600); err != nil {
			t.Fatal(err)
		}
		h, err := Open(name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := readHSDS(t, h); len(got) != 1 || got[0].site.Name != "A" {
			t.Fatalf("got %+v, want site A from a nested folder", got)
		}
	})
}

// siteResult is what a test checks of one converted record.
type siteResult struct {
	row      int
	site     aidmap.Site
	problems []string // severity and field, as reasons() gives them
	all      []ingest.Problem
}

// reasons gives each problem as its severity and field, for compact comparisons.
func reasons(ps []ingest.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Severity.String()+" "+p.Field)
	}
	return out
}
