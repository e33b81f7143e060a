package table

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/aidmap/aidmap/ingest"
)

// decodeAll runs the text reader over b with reads of at most chunk bytes from the source, so
// sequences and CRLF pairs are split at every possible place.
func decodeAll(t *testing.T, b []byte, enc ingest.Encoding, declared bool, chunk int) (string, *textReader) {
	t.Helper()
	src := bufio.NewReaderSize(&trickle{b: b, n: chunk}, 16)
	tr := newTextReader(src, enc, declared)
	out, err := io.ReadAll(tr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), tr
}

// trickle returns at most n bytes per Read.
type trickle struct {
	b []byte
	n int
}

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n, len(r.b))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

func TestTextReaderSplitsAnywhere(t *testing.T) {
	text := "name,city\r\nCafé “Soleil”,Montréal 😀\rB,\"x\r\ny\"\nC,é\r"
	want := "name,city\nCafé “Soleil”,Montréal 😀\nB,\"x\ny\"\nC,é\n"
	u16 := func(s string, be bool) []byte {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			if be {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		enc  ingest.Encoding
	}{
		{"utf-8", []byte(text), ingest.EncodingUTF8},
		{"utf-16le", u16(text, false), ingest.EncodingUTF16LE},
		{"utf-16be", u16(text, true), ingest.EncodingUTF16BE},
	}
	for _, tt := range tests {
		for chunk := 1; chunk <= 7; chunk++ {
			got, tr := decodeAll(t, tt.in, tt.enc, false, chunk)
			if got != want {
				t.Errorf("%s, reads of %d bytes: got %q, want %q", tt.name, chunk, got, want)
			}
			if tr.crlf != 2 || tr.cr != 2 || tr.lf != 1 {
				t.Errorf("%s, reads of %d: got crlf=%d cr=%d lf=%d, want 2, 2, 1", tt.name, chunk, tr.crlf, tr.cr, tr.lf)
			}
		}
	}
}

func TestTextReaderWindows1252(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		declared bool
		want     string
		wantEnc  ingest.Encoding
	}{
		// Invalid UTF-8 before any valid multi-byte sequence: the whole file is Windows-1252,
		// even "Ã©" later on, which happens to be valid UTF-8.
		{"whole file", []byte("Caf\xe9\n\x80 \x93x\x94 \xc3\xa9\n"), false, "Café\n€ “x” Ã©\n", ingest.EncodingWindows1252},
		// Valid UTF-8 first: only the stray byte is read as Windows-1252.
		{"stray byte in UTF-8", []byte("Café\nna\xefve\n"), false, "Café\nnaïve\n", ingest.EncodingUTF8},
		// A BOM (declared) file with a stray byte stays UTF-8.
		{"declared", []byte("Caf\xe9\n\xc3\xa9\n"), true, "Café\né\n", ingest.EncodingUTF8},
		{"truncated sequence at the end", []byte("ab\xc3"), false, "abÃ", ingest.EncodingWindows1252},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for chunk := 1; chunk <= 5; chunk++ {
				got, tr := decodeAll(t, tt.in, ingest.EncodingUTF8, tt.declared, chunk)
				if got != tt.want {
					t.Errorf("reads of %d: got %q, want %q", chunk, got, tt.want)
				}
				if tr.enc == ingest.EncodingWindows1252 != (tt.wantEnc == ingest.EncodingWindows1252) {
					t.Errorf("reads of %d: encoding got %q, want %q", chunk, tr.enc, tt.wantEnc)
				}
				if len(tr.notes) != 1 {
					t.Errorf("reads of %d: notes got %q, want one", chunk, tr.notes)
				}
			}
		})
	}
}

func TestDetectEncoding(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    ingest.Encoding
		wantBOM int
	}{
		{"utf-8 bom", []byte("\xef\xbb\xbfa,b"), ingest.EncodingUTF8BOM, 3},
		{"utf-16le bom", []byte("\xff\xfea\x00"), ingest.EncodingUTF16LE, 2},
		{"utf-16be bom", []byte("\xfe\xff\x00a"), ingest.EncodingUTF16BE, 2},
		{"utf-16le no bom", []byte("n\x00a\x00m\x00e\x00,\x00c\x00"), ingest.EncodingUTF16LE, 0},
		{"utf-16be no bom", []byte("\x00n\x00a\x00m\x00e\x00,\x00c"), ingest.EncodingUTF16BE, 0},
		{"ascii", []byte("name,city\n"), ingest.EncodingUTF8, 0},
		{"a few NULs", []byte("name,city\x00\n, more text here\n"), ingest.EncodingUTF8, 0},
		{"tiny", []byte("a"), ingest.EncodingUTF8, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bom := detectEncoding(tt.in)
			if got != tt.want || bom != tt.wantBOM {
				t.Errorf("got %q, %d, want %q, %d", got, bom, tt.want, tt.wantBOM)
			}
		})
	}
}

// TestParserMatchesEncodingCSV checks that wherever encoding/csv reads a file without error,
// our parser reads the same rows.
func TestParserMatchesEncodingCSV(t *testing.T) {
	inputs := []string{
		"a,b,c\n1,2,3\n",
		"a,\"b\nc\",d\n",
		"\"a \"\"quoted\"\" word\",b\n",
		"a,,\n,,\n\n\nx\n",
		"a,b",
		"\"\",\"\"\n",
		"a,\"\"\"\"\n",
		" a , b \n",
		"a,\"b,c\",\"d\n\ne\"\n",
		"é,ü\n",
		",\n",
	}
	for _, in := range inputs {
		checkAgainstEncodingCSV(t, []byte(in), ',')
	}
}

func checkAgainstEncodingCSV(t *testing.T, text []byte, comma byte) {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(text))
	cr.Comma = rune(comma)
	cr.FieldsPerRecord = -1
	want, err := cr.ReadAll()
	if err != nil {
		return // not a case encoding/csv accepts
	}
	p := newParser(bufio.NewReaderSize(bytes.NewReader(text), len(text)+16), comma, len(text)+16, 1<<20)
	var got [][]string
	for {
		r, err := p.read(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%q: got error %v, encoding/csv read %q", text, err, want)
		}
		got = append(got, r)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q: got %q, encoding/csv got %q", text, got, want)
	}
}

func TestParseEncoding(t *testing.T) {
	for in, want := range map[string]ingest.Encoding{"UTF-8": ingest.EncodingUTF8, "latin1": ingest.EncodingWindows1252, "CP1252": ingest.EncodingWindows1252,
		"utf-16": ingest.EncodingUTF16LE, "UTF-16BE": ingest.EncodingUTF16BE, "": ingest.EncodingAuto, "utf-8-sig": ingest.EncodingUTF8BOM} {
		if got, err := ingest.ParseEncoding(in); err != nil || got != want {
			t.Errorf("ParseEncoding(%q): got %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ingest.ParseEncoding("ebcdic"); err == nil || !strings.Contains(err.Error(), "unknown encoding") {
		t.Errorf("got %v, want an unknown encoding error", err)
	}
}
