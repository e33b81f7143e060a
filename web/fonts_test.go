package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aidmap/aidmap/fonts"
)

// getGlyphs fetches a glyph URL; gzip says whether to ask for gzip. It returns the response and
// the decoded PBF body (nil unless 200).
func getGlyphs(t *testing.T, url string, gzipped bool, header ...string) (*http.Response, []fonts.Stack) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Setting Accept-Encoding ourselves stops the client from decompressing transparently.
	if gzipped {
		req.Header.Set("Accept-Encoding", "gzip")
	} else {
		req.Header.Set("Accept-Encoding", "identity")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp, nil
	}
	if got := resp.Header.Get("Content-Encoding") == "gzip"; got != gzipped {
		t.Fatalf("Content-Encoding %q with gzip asked %v", resp.Header.Get("Content-Encoding"), gzipped)
	}
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	stacks, err := fonts.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, stacks
}

func TestGlyphs(t *testing.T) {
	srv := newTestServer(t, nil)
	tests := []struct {
		name       string
		path       string
		gzip       bool
		wantRange  string
		wantGlyphs []rune // code points that must be present
		wantNone   bool   // an empty range
	}{
		{"Latin", "/fonts/Noto%20Sans%20Regular/0-255.pbf", true, "0-255", []rune("Aaé0 "), false},
		{"Latin without gzip", "/fonts/Noto%20Sans%20Regular/0-255.pbf", false, "0-255", []rune("Z"), false},
		{"Cyrillic in bold", "/fonts/Noto%20Sans%20Bold/1024-1279.pbf", true, "1024-1279", []rune("їґЖ"), false},
		{"stack with a literal comma", "/fonts/Noto%20Sans%20Regular,Noto%20Sans%20Arabic%20Regular/1536-1791.pbf", true, "1536-1791", []rune("اپی"), false},
		{"stack with an escaped comma", "/fonts/Noto%20Sans%20Bold%2CNoto%20Sans%20Arabic%20Regular/65024-65279.pbf", true, "65024-65279", []rune{0xFE8F, 0xFEFB}, false},
		{"Gurmukhi", "/fonts/Noto%20Sans%20Regular,Noto%20Sans%20Gurmukhi%20Regular/2560-2815.pbf", true, "2560-2815", []rune("ਪੰਜਾਬੀ"), false},
		{"unknown font falls back", "/fonts/Open%20Sans%20Semibold/0-255.pbf", true, "0-255", []rune("A"), false},
		{"CJK is left to the device", "/fonts/Noto%20Sans%20Regular/19968-20223.pbf", true, "19968-20223", nil, true},
		{"last range", "/fonts/Noto%20Sans%20Regular/65280-65535.pbf", false, "65280-65535", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, stacks := getGlyphs(t, srv.URL+tt.path, tt.gzip)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			h := resp.Header
			if h.Get("Content-Type") != "application/x-protobuf" || !strings.Contains(h.Get("Cache-Control"), "max-age=604800") ||
				h.Get("ETag") == "" || h.Get("Vary") != "Accept-Encoding" {
				t.Errorf("headers %v", h)
			}
			if len(stacks) != 1 || stacks[0].Range != tt.wantRange {
				t.Fatalf("got %+v, want one fontstack for %s", stacks, tt.wantRange)
			}
			glyphs := map[rune]fonts.Glyph{}
			for _, g := range stacks[0].Glyphs {
				glyphs[g.ID] = g
				if len(g.Bitmap) > 0 && len(g.Bitmap) != int(g.Width+6)*int(g.Height+6) {
					t.Errorf("%U: %d-byte bitmap for %d×%d, want (w+6)*(h+6)", g.ID, len(g.Bitmap), g.Width, g.Height)
				}
			}
			if tt.wantNone && len(glyphs) != 0 {
				t.Errorf("got %d glyphs, want none", len(glyphs))
			}
			for _, r := range tt.wantGlyphs {
				g, ok := glyphs[r]
				if !ok {
					t.Errorf("no glyph for %q", r)
					continue
				}
				if r != ' ' && (g.Width == 0 || g.Height == 0 || len(g.Bitmap) == 0) {
					t.Errorf("%q: %d×%d with %d bytes, want a drawn glyph", r, g.Width, g.Height, len(g.Bitmap))
				}
			}
		})
	}
}

func TestGlyphsCombinedMatchesFonts(t *testing.T) {
	srv := newTestServer(t, nil)
	_, arabic := getGlyphs(t, srv.URL+"/fonts/Noto%20Sans%20Arabic%20Regular/1536-1791.pbf", true)
	_, combined := getGlyphs(t, srv.URL+"/fonts/Noto%20Sans%20Bold,Noto%20Sans%20Arabic%20Regular/1536-1791.pbf", true)
	if len(arabic) != 1 || len(combined) != 1 || len(combined[0].Glyphs) != len(arabic[0].Glyphs) {
		t.Fatalf("Arabic range: %d glyphs alone, %d in the Bold+Arabic stack; want the same", len(arabic[0].Glyphs), len(combined[0].Glyphs))
	}
	for i, g := range combined[0].Glyphs {
		a := arabic[0].Glyphs[i]
		if g.ID != a.ID || g.Advance != a.Advance || !bytes.Equal(g.Bitmap, a.Bitmap) {
			t.Fatalf("glyph %U differs from Noto Sans Arabic's", g.ID)
		}
	}
}

func TestGlyphsETag(t *testing.T) {
	srv := newTestServer(t, nil)
	url := srv.URL + "/fonts/Noto%20Sans%20Regular/0-255.pbf"
	resp, _ := getGlyphs(t, url, true)
	etag := resp.Header.Get("ETag")
	tests := []struct {
		name, ifNoneMatch string
		want              int
	}{
		{"same", etag, http.StatusNotModified},
		{"weak form", "W/" + etag, http.StatusNotModified},
		{"in a list", `"x", ` + etag, http.StatusNotModified},
		{"other", `"abc"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := getGlyphs(t, url, true, "If-None-Match", tt.ifNoneMatch)
			if resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestGlyphsBadRange(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, p := range []string{"1-256", "0-511", "65536-65791", "abc", "0-255-511", "-0-255"} {
		t.Run(p, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/fonts/Noto%20Sans%20Regular/"+p+".pbf")
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			var pr problem
			if err := json.Unmarshal(body, &pr); err != nil || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("body %s: %v", body, err)
			}
			if len(pr.InvalidParams) != 1 || pr.InvalidParams[0].Name != "range" {
				t.Errorf("invalid params %+v, want range", pr.InvalidParams)
			}
		})
	}
	resp, _ := get(t, srv.URL+"/fonts/"+strings.Repeat("a", 600)+"/0-255.pbf")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("long fontstack: status %d, want 400", resp.StatusCode)
	}
}

// TestRTLPluginServed checks the vendored RTL text plugin is embedded and served from our origin.
func TestRTLPluginServed(t *testing.T) {
	srv := newTestServer(t, nil)
	resp, body := get(t, srv.URL+"/static/vendor/mapbox-gl-rtl-text/mapbox-gl-rtl-text.js")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("Content-Type %q, want JavaScript", ct)
	}
	if !bytes.Contains(body, []byte("registerRTLTextPlugin")) {
		t.Error("the file does not register itself with MapLibre's worker")
	}
}
