package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"testing"
)

// TestStaticPrecompressed checks the app's files: a client that accepts gzip gets the file
// compressed at gzip's best level (a first visit on a slow phone downloads MapLibre once, so
// every kilobyte counts), under an ETag of its own that revalidates to 304; a client that does
// not gets the bytes as they are, under the plain ETag.
func TestStaticPrecompressed(t *testing.T) {
	srv := newTestServer(t, nil)
	const name = "vendor/maplibre-gl/maplibre-gl-csp.js"
	want, err := fs.ReadFile(embeddedStatic(), name)
	if err != nil {
		t.Fatal(err)
	}
	var best bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&best, gzip.BestCompression)
	_, _ = zw.Write(want)
	_ = zw.Close()

	do := func(acceptGzip bool, etag string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/static/"+name, nil)
		if acceptGzip {
			req.Header.Set("Accept-Encoding", "gzip")
		} else {
			req.Header.Set("Accept-Encoding", "identity") // or the transport asks for gzip itself
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}

	resp, body := do(true, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("with gzip: got %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	if len(body) != best.Len() {
		t.Errorf("with gzip: got %d bytes, want %d (the best level)", len(body), best.Len())
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("with gzip: the body does not decompress to the file (%v)", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" && ct != "application/javascript" {
		t.Errorf("Content-Type %q", ct)
	}
	if v := resp.Header.Values("Vary"); len(v) != 1 || v[0] != "Accept-Encoding" {
		t.Errorf("Vary %q, want Accept-Encoding once", v)
	}
	gzTag := resp.Header.Get("ETag")

	resp, body = do(false, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, want) {
		t.Fatalf("without gzip: got %d, Content-Encoding %q, %d bytes; want the file as it is", resp.StatusCode, resp.Header.Get("Content-Encoding"), len(body))
	}
	plainTag := resp.Header.Get("ETag")
	if gzTag == "" || plainTag == "" || gzTag == plainTag {
		t.Errorf("ETags %q (gzip) and %q (plain): want two different ones", gzTag, plainTag)
	}

	if resp, _ := do(true, gzTag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating the gzip form: got %d, want 304", resp.StatusCode)
	}
	if resp, _ := do(false, plainTag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating the plain form: got %d, want 304", resp.StatusCode)
	}
	if resp, _ := do(false, gzTag); resp.StatusCode != 200 {
		t.Errorf("the gzip ETag from a client without gzip: got %d, want 200", resp.StatusCode)
	}
}
