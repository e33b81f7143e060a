package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// rawGet asks without Go's transparent decompression, so the test sees what was sent.
func rawGet(t *testing.T, url string, gzipOK bool) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gzipOK {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func gunzipBody(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// TestGzipThreshold checks the API through the whole server: answers below gzipMinSize go out
// as they are, larger ones gzipped (and decode to the identity answer), and every answer says
// Vary: Accept-Encoding whether compressed or not.
func TestGzipThreshold(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, tc := range []struct {
		name, path string
		status     int
		gzipped    bool
	}{
		{"info is small", "/api/v1/info", 200, false},
		{"one problem is small", "/api/v1/sites/nearest?lat=x&lon=1", 400, false},
		{"nearest-10 is large", "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=10", 200, true},
		{"a bbox page is large", "/api/v1/sites?bbox=-124,49,-122,50&limit=50", 200, true},
		{"geojson is large", "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=10&format=geojson", 200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, plainBody := rawGet(t, srv.URL+tc.path, false)
			zresp, zbody := rawGet(t, srv.URL+tc.path, true)
			for _, r := range []*http.Response{plain, zresp} {
				if r.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
				}
				if v := r.Header.Values("Vary"); !containsToken(v, "Accept-Encoding") {
					t.Errorf("Vary %q, want Accept-Encoding", v)
				}
			}
			if plain.Header.Get("Content-Encoding") != "" {
				t.Errorf("without Accept-Encoding: Content-Encoding %q", plain.Header.Get("Content-Encoding"))
			}
			if got := len(plainBody) >= gzipMinSize; got != tc.gzipped {
				t.Fatalf("identity body %d bytes: the case expects gzipped=%v at threshold %d", len(plainBody), tc.gzipped, gzipMinSize)
			}
			if !tc.gzipped {
				if ce := zresp.Header.Get("Content-Encoding"); ce != "" {
					t.Fatalf("small answer (%d bytes) sent with Content-Encoding %q", len(zbody), ce)
				}
				if !bytes.Equal(zbody, plainBody) {
					t.Fatalf("small answer differs with gzip accepted:\n%s\n%s", zbody, plainBody)
				}
				if cl := zresp.Header.Get("Content-Length"); cl != strconv.Itoa(len(zbody)) {
					t.Errorf("Content-Length %q for %d bytes", cl, len(zbody))
				}
				return
			}
			if ce := zresp.Header.Get("Content-Encoding"); ce != "gzip" {
				t.Fatalf("large answer (%d bytes) sent with Content-Encoding %q", len(plainBody), ce)
			}
			if cl := zresp.Header.Get("Content-Length"); cl == strconv.Itoa(len(plainBody)) {
				t.Errorf("gzipped answer keeps the identity Content-Length %s", cl)
			}
			if len(zbody) >= len(plainBody) {
				t.Errorf("gzipped %d bytes, identity %d", len(zbody), len(plainBody))
			}
			got := gunzipBody(t, zbody)
			// The open state may change between the two requests only at a minute's turn;
			// the sites and their order may not.
			if !bytes.Equal(got, plainBody) && !sameIDs(got, plainBody) {
				t.Fatalf("gunzipped answer differs:\n%.300s\n%.300s", got, plainBody)
			}
		})
	}
}

func containsToken(values []string, token string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// sameIDs compares two list answers by the order of their "id" fields.
func sameIDs(a, b []byte) bool {
	ids := func(b []byte) string {
		var out []string
		for _, part := range bytes.Split(b, []byte(`"id":`))[1:] {
			end := bytes.IndexByte(part[1:], '"')
			out = append(out, string(part[:end+2]))
		}
		return strings.Join(out, " ")
	}
	return ids(a) == ids(b)
}

// TestGzipWriter checks the middleware on its own, over the ways handlers write.
func TestGzipWriter(t *testing.T) {
	big := strings.Repeat(`{"name":"Demo food bank"},`, 100) // 2,600 bytes
	small := `{"status":"ok"}`
	for _, tc := range []struct {
		name    string
		ctype   string
		accept  string
		handler func(w http.ResponseWriter)
		want    string // the body, decoded
		gzipped bool
	}{
		{"small at once, with Content-Length", "application/json", "gzip", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(len(small)))
			io.WriteString(w, small)
		}, small, false},
		{"small in pieces", "application/json", "gzip", func(w http.ResponseWriter) {
			io.WriteString(w, small[:5])
			io.WriteString(w, small[5:])
		}, small, false},
		{"large at once", "application/json", "gzip", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		}, big, true},
		{"large in small pieces", "application/json", "gzip, deflate", func(w http.ResponseWriter) {
			for i := 0; i < len(big); i += 100 {
				io.WriteString(w, big[i:min(i+100, len(big))])
			}
		}, big, true},
		{"large, flushed early", "application/x-ndjson; charset=utf-8", "gzip", func(w http.ResponseWriter) {
			io.WriteString(w, small)
			w.(http.Flusher).Flush()
			io.WriteString(w, big)
		}, small + big, false}, // not a compressed type: sent as it is, flushed
		{"large, other type", "image/png", "gzip", func(w http.ResponseWriter) {
			io.WriteString(w, big)
		}, big, false},
		{"large, gzip refused", "application/json", "gzip;q=0", func(w http.ResponseWriter) {
			io.WriteString(w, big)
		}, big, false},
		{"large, not asked", "application/json", "", func(w http.ResponseWriter) {
			io.WriteString(w, big)
		}, big, false},
		{"large, status set first", "application/json", "gzip", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, big)
		}, big, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGzipper(gzipMinSize, gzipLevel, "application/json")
			h := g.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				tc.handler(w)
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if !containsToken(rec.Header().Values("Vary"), "Accept-Encoding") {
				t.Errorf("Vary %q", rec.Header().Values("Vary"))
			}
			body := rec.Body.Bytes()
			if ce := rec.Header().Get("Content-Encoding"); (ce == "gzip") != tc.gzipped {
				t.Fatalf("Content-Encoding %q, want gzipped=%v", ce, tc.gzipped)
			}
			if tc.gzipped {
				if rec.Header().Get("Content-Length") != "" {
					t.Errorf("gzipped with Content-Length %s", rec.Header().Get("Content-Length"))
				}
				body = gunzipBody(t, body)
			}
			if string(body) != tc.want {
				t.Fatalf("body %.80q…, want %.80q…", body, tc.want)
			}
			if tc.name == "large, status set first" && rec.Code != http.StatusCreated {
				t.Errorf("status %d", rec.Code)
			}
		})
	}
}

// BenchmarkGzipLevels compresses one nearest-10 answer of the demo sites at each level, for
// the choice of gzipLevel: ns/op and the compressed size.
func BenchmarkGzipLevels(b *testing.B) {
	sites := demo.Sites(200, 7)
	src := snapshot{ix: publicIndex(sites, 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	h := NewServer(Config{Source: src, Store: pinger{}}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/sites/nearest?lat=49.26&lon=-123.1&limit=10", nil))
	body := rec.Body.Bytes()
	for _, level := range []int{gzip.HuffmanOnly, gzip.BestSpeed, 3, 5, gzip.DefaultCompression} {
		b.Run("level"+strconv.Itoa(level), func(b *testing.B) {
			zw, _ := gzip.NewWriterLevel(io.Discard, level)
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				zw.Reset(&out)
				zw.Write(body)
				zw.Close()
			}
			b.ReportMetric(float64(out.Len()), "bytes")
			b.ReportMetric(float64(len(body)), "identity-bytes")
		})
	}
}
