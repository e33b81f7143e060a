package ingest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/formats"
	"github.com/aidmap/aidmap/store"
)

// The broken-file corpus: every supported format, generated from a good file by cutting it at
// several offsets and by breaking its structure (zip directory, XML, JSON, encoding). Each
// broken file, uploaded in replace mode over the organisation's sites from the good file, must
// fail as a whole with a file-level problem (*FileError) and leave the organisation's sites
// exactly as they were: same count, same checksum.

type corpusRow struct {
	id, name, addr, cat, phone string
	lat, lon                   float64
}

func corpusRows() []corpusRow {
	var rows []corpusRow
	for i := range 12 {
		rows = append(rows, corpusRow{
			id: fmt.Sprintf("S%02d", i+1), name: fmt.Sprintf("Pantry number %d", i+1),
			addr: fmt.Sprintf("%d Main St", 100+i), cat: "food bank", phone: fmt.Sprintf("604-555-01%02d", i),
			lat: 49.25 + float64(i)/1000, lon: -123.1 - float64(i)/1000,
		})
	}
	return rows
}

var corpusHeader = []string{"Site ID", "Name", "Address", "City", "Latitude", "Longitude", "Category", "Phone"}

func (r corpusRow) cells() []string {
	return []string{r.id, r.name, r.addr, "Vancouver", fmt.Sprint(r.lat), fmt.Sprint(r.lon), r.cat, r.phone}
}

func corpusTable(sep string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(corpusHeader, sep) + "\n")
	for _, r := range corpusRows() {
		b.WriteString(strings.Join(r.cells(), sep) + "\n")
	}
	return b.Bytes()
}

func corpusUTF16(text []byte) []byte {
	u := utf16.Encode([]rune(string(text)))
	out := []byte{0xff, 0xfe}
	for _, c := range u {
		out = append(out, byte(c), byte(c>>8))
	}
	return out
}

func corpusXLSX(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	row := make([]any, len(corpusHeader))
	for i, h := range corpusHeader {
		row[i] = h
	}
	if err := f.SetSheetRow("Sheet1", "A1", &row); err != nil {
		t.Fatal(err)
	}
	for i, r := range corpusRows() {
		vals := []any{r.id, r.name, r.addr, "Vancouver", r.lat, r.lon, r.cat, r.phone}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+2), &vals); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func corpusFeatures() []map[string]any {
	var out []map[string]any
	for _, r := range corpusRows() {
		out = append(out, map[string]any{"type": "Feature",
			"geometry":   map[string]any{"type": "Point", "coordinates": []float64{r.lon, r.lat}},
			"properties": map[string]any{"id": r.id, "name": r.name, "address": r.addr, "city": "Vancouver", "category": r.cat, "phone": r.phone}})
	}
	return out
}

func corpusGeoJSON(t *testing.T) []byte {
	b, err := json.MarshalIndent(map[string]any{"type": "FeatureCollection", "features": corpusFeatures()}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func corpusNDJSON(t *testing.T) []byte {
	var b bytes.Buffer
	for _, f := range corpusFeatures() {
		line, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func corpusRecords(t *testing.T) []byte {
	var recs []map[string]any
	for _, r := range corpusRows() {
		recs = append(recs, map[string]any{"id": r.id, "name": r.name, "address": r.addr, "city": "Vancouver",
			"latitude": r.lat, "longitude": r.lon, "category": r.cat, "phone": r.phone})
	}
	b, err := json.MarshalIndent(recs, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rezip rewrites a zip archive, changing the entries edit returns other content for.
func rezip(t *testing.T, data []byte, edit func(name string, body []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(edit(f.Name, body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// badDirectory corrupts the zip's central directory (its first entry's signature).
func badDirectory(data []byte) []byte {
	out := slices.Clone(data)
	if i := bytes.LastIndex(out, []byte("PK\x01\x02")); i >= 0 {
		i = bytes.Index(out, []byte("PK\x01\x02"))
		copy(out[i:], "XX\x01\x02")
	}
	return out
}

// lineCuts returns offsets inside lines of a line-based file, before the line's last
// separator (a cut there leaves the last row short of fields or its JSON unfinished, which a
// reader can tell from a shorter, complete file), one per third of the file.
func lineCuts(data []byte, sep string, unit int) []int {
	var cuts []int
	for _, frac := range []int{1, 2, 3} {
		at := len(data) * frac / 4
		start := bytes.LastIndexByte(data[:at], '\n') + 1
		end := start + bytes.IndexByte(data[start:], '\n')
		if end < start {
			end = len(data)
		}
		line := data[start:end]
		var cut int
		if sep == "" {
			cut = start + len(line)/2
		} else {
			cut = start + bytes.LastIndex(line, []byte(sep))
		}
		cut -= (cut - start) % unit
		cuts = append(cuts, cut)
	}
	return cuts
}

// everyCut returns offsets spread over the file, for formats where any cut is detectable.
func everyCut(data []byte) []int {
	data = bytes.TrimRight(data, " \n") // a cut in trailing white space leaves the file whole
	var cuts []int
	for _, frac := range []int{1, 3, 5, 7, 9} {
		cuts = append(cuts, len(data)*frac/10)
	}
	return append(cuts, len(data)-1, len(data)-2, len(data)-22)
}

type brokenFile struct {
	name string
	data []byte
}

func cutAll(name string, data []byte, cuts []int) []brokenFile {
	var out []brokenFile
	for _, c := range cuts {
		out = append(out, brokenFile{fmt.Sprintf("%s cut at %d of %d", name, c, len(data)), data[:c]})
	}
	return out
}

// orgChecksum returns how many sites of the organisation are published and a checksum of all
// of its sites (retired ones included), versions and all.
func orgChecksum(t *testing.T, st store.Store, org string) (int, string) {
	t.Helper()
	h := sha256.New()
	n := 0
	if _, err := st.EachSite(context.Background(), func(s aidmap.Site) error {
		if s.OrganizationID != org {
			return nil
		}
		if s.Status != aidmap.StatusRetired {
			n++
		}
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		h.Write(b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

func TestBrokenFilesFailClosed(t *testing.T) {
	csvData := corpusTable(",")
	tsvData := corpusTable("\t")
	utf16Data := corpusUTF16(csvData)
	xlsxData := corpusXLSX(t)
	geojsonData := corpusGeoJSON(t)
	ndjsonData := corpusNDJSON(t)
	recordsData := corpusRecords(t)
	hsdsJSON, err := os.ReadFile(filepath.Join("hsds", "testdata", "v3-array.json"))
	if err != nil {
		t.Fatal(err)
	}
	hsdsZip, err := os.ReadFile(filepath.Join("hsds", "testdata", "v1.zip"))
	if err != nil {
		t.Fatal(err)
	}
	icarolData, err := os.ReadFile(filepath.Join("icarol", "testdata", "export.csv"))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		format string
		name   string // file name given to the reader
		good   []byte
		broken []brokenFile
	}{
		{"csv", "sites.csv", csvData, append(cutAll("csv", csvData, lineCuts(csvData, ",", 1)),
			brokenFile{"csv with an unclosed quote", append(slices.Clone(csvData), []byte("S99,\"Unclosed name,1 Main St,Vancouver,49.3,-123.2,food bank,604-555-0199\n")...)})},
		{"tsv", "sites.tsv", tsvData, cutAll("tsv", tsvData, lineCuts(tsvData, "\t", 1))},
		{"icarol", "export.csv", icarolData, append(cutAll("icarol", icarolData, lineCuts(icarolData, ",", 1)),
			brokenFile{"icarol with an unclosed quote", append(slices.Clone(icarolData), []byte("PS99,\"Unclosed,ProgramAtSite,A1,S1,P1\n")...)})},
		{"utf-16 csv", "sites.txt", utf16Data, append(cutAll("utf-16", utf16Data, lineCuts(utf16Data, ",\x00", 2)),
			brokenFile{"utf-16 cut in half a character", utf16Data[:len(utf16Data)-1]})},
		{"xlsx", "sites.xlsx", xlsxData, append(cutAll("xlsx", xlsxData, everyCut(xlsxData)),
			brokenFile{"xlsx with a bad zip directory", badDirectory(xlsxData)},
			brokenFile{"xlsx with an unclosed sheet", rezip(t, xlsxData, func(name string, b []byte) []byte {
				if name == "xl/worksheets/sheet1.xml" {
					return b[:bytes.Index(b, []byte("<row r=\"6\""))]
				}
				return b
			})},
			brokenFile{"xlsx with a sheet cut inside a row", rezip(t, xlsxData, func(name string, b []byte) []byte {
				if name == "xl/worksheets/sheet1.xml" {
					return b[:bytes.Index(b, []byte("<row r=\"6\""))+30]
				}
				return b
			})},
			brokenFile{"xlsx with bad sheet XML", rezip(t, xlsxData, func(name string, b []byte) []byte {
				if name == "xl/worksheets/sheet1.xml" {
					return bytes.Replace(b, []byte("<row r=\"6\""), []byte("<row r=\"6\"><<c></row>"), 1)
				}
				return b
			})},
			brokenFile{"xlsx with bad shared strings XML", rezip(t, xlsxData, func(name string, b []byte) []byte {
				if name == "xl/sharedStrings.xml" {
					return b[:len(b)/2]
				}
				return b
			})},
			brokenFile{"xlsx with shared strings not in UTF-8", rezip(t, xlsxData, func(name string, b []byte) []byte {
				if name == "xl/sharedStrings.xml" {
					return bytes.Replace(b, []byte("Pantry number 3"), []byte("Pantry num\xe9ro 3"), 1)
				}
				return b
			})},
		)},
		{"geojson", "sites.geojson", geojsonData, append(cutAll("geojson", geojsonData, everyCut(geojsonData)),
			brokenFile{"geojson not in UTF-8", bytes.Replace(geojsonData, []byte("Pantry number 3"), []byte("Pantry num\xe9ro 3"), 1)},
			brokenFile{"geojson with bad JSON", bytes.Replace(geojsonData, []byte(`"Pantry number 5"`), []byte(`"Pantry number 5",,`), 1)},
		)},
		{"geojson lines", "sites.geojsonl", ndjsonData, append(cutAll("geojson lines", ndjsonData, lineCuts(ndjsonData, "", 1)),
			brokenFile{"geojson lines not in UTF-8", bytes.Replace(ndjsonData, []byte("Pantry number 3"), []byte("Pantry num\xe9ro 3"), 1)})},
		{"json records", "sites.json", recordsData, append(cutAll("json records", recordsData, everyCut(recordsData)),
			brokenFile{"json records not in UTF-8", bytes.Replace(recordsData, []byte("Pantry number 3"), []byte("Pantry num\xe9ro 3"), 1)})},
		{"hsds json", "hsds.json", hsdsJSON, append(cutAll("hsds json", hsdsJSON, everyCut(hsdsJSON)),
			brokenFile{"hsds json not in UTF-8", bytes.Replace(hsdsJSON, []byte("Community Kitchen"), []byte("Communit\xe9 Kitchen"), 1)})},
		{"hsds zip", "hsds.zip", hsdsZip, append(cutAll("hsds zip", hsdsZip, everyCut(hsdsZip)),
			brokenFile{"hsds zip with a bad directory", badDirectory(hsdsZip)},
			brokenFile{"hsds zip with locations cut inside a row", rezip(t, hsdsZip, func(name string, b []byte) []byte {
				if name == "data/locations.csv" {
					nl := bytes.IndexByte(b, '\n')
					second := nl + 1 + bytes.IndexByte(b[nl+1:], '\n')
					return b[:second+5]
				}
				return b
			})},
		)},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			st := newStore(t)
			org := testOrg
			src, format, err := formats.NewReader(bytes.NewReader(c.good), formats.Options{Name: c.name, At: bytes.NewReader(c.good), Size: int64(len(c.good))})
			if err != nil {
				t.Fatalf("good file: NewReader: %v", err)
			}
			rep, err := ingest.Run(context.Background(), src, st, nil, ingest.Options{Org: org, Mode: ingest.ModeReplace, Format: format})
			if err != nil {
				t.Fatalf("good file: Run: %v", err)
			}
			if rep.Summary.Created == 0 {
				t.Fatalf("good file created no site: %+v", rep.Summary)
			}
			n0, sum0 := orgChecksum(t, st, org)
			for _, b := range c.broken {
				t.Run(b.name, func(t *testing.T) {
					err := runBroken(st, org, c.name, b.data)
					t.Log(err)
					var fe *ingest.FileError
					if !errors.As(err, &fe) {
						t.Errorf("got error %v, want a *FileError", err)
					}
					if n, sum := orgChecksum(t, st, org); n != n0 || sum != sum0 {
						t.Errorf("the organisation's sites changed: %d sites (checksum %s), want %d (%s)", n, sum[:12], n0, sum0[:12])
					}
				})
			}
		})
	}
}

// runBroken uploads one broken file in replace mode, as the HTTP handler and the command line
// do: open the reader (which may already refuse it), then Run.
func runBroken(st store.Store, org, name string, data []byte) error {
	src, format, err := formats.NewReader(bytes.NewReader(data), formats.Options{Name: name, At: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		return err
	}
	_, err = ingest.Run(context.Background(), src, st, nil, ingest.Options{Org: org, Mode: ingest.ModeReplace, Format: format})
	return err
}
