package pmtiles

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHTTPReader(t *testing.T) {
	data := writeOurs(t, 3, Gzip).data
	mux := http.NewServeMux()
	mux.HandleFunc("/a.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "a.pmtiles", time.Time{}, bytes.NewReader(data))
	})
	mux.HandleFunc("/norange.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		w.Write(data) // ignores Range
	})
	mux.HandleFunc("/short.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes 0-9/10")
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[:10])
	})
	mux.HandleFunc("/wrongrange.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes 0-9/10")
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[:200])
	})
	mux.HandleFunc("/endless.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusPartialContent)
		for range 1000 { // far more than asked for: the reader must stop at what it asked
			if _, err := w.Write(make([]byte, 1<<10)); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/slow.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers: only the reader's timeout ends the request
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		name   string
		path   string
		off, n int64
		want   []byte // or an error containing err
		err    string
	}{
		{"header", "/a.pmtiles", 0, HeaderLen, data[:HeaderLen], ""},
		{"middle", "/a.pmtiles", 200, 50, data[200:250], ""},
		{"to the end", "/a.pmtiles", int64(len(data)) - 5, 5, data[len(data)-5:], ""},
		{"past the end", "/a.pmtiles", int64(len(data)) + 5, 5, nil, "416"},
		{"not found", "/nothere.pmtiles", 0, 10, nil, "HTTP error: 404"},
		{"no range, at 0", "/norange.pmtiles", 0, 10, data[:10], ""},
		{"no range", "/norange.pmtiles", 200, 10, nil, "the server ignored the Range header"},
		{"short", "/short.pmtiles", 0, 127, nil, "short read: 10 of 127 bytes"},
		{"wrong range", "/wrongrange.pmtiles", 100, 10, nil, "asked for bytes from 100, the server sent bytes from 0"},
		{"bounded", "/endless.pmtiles", 0, 100, make([]byte, 100), ""},
		{"timeout", "/slow.pmtiles", 0, 10, nil, "deadline exceeded"},
		{"bad range", "/a.pmtiles", -1, 10, nil, "not valid"},
		{"empty range", "/a.pmtiles", 0, 0, nil, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &HTTPReader{URL: srv.URL + tt.path}
			if tt.name == "timeout" {
				r.Timeout = time.Millisecond
			}
			got, err := r.ReadRange(context.Background(), tt.off, tt.n)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "pmtiles: ") {
					t.Errorf("got %d bytes, %v; want an error with %q", len(got), err, tt.err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("got %d bytes, %v; want %d bytes", len(got), err, len(tt.want))
			}
		})
	}
}

func TestHTTPReaderCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&HTTPReader{URL: srv.URL}).ReadRange(ctx, 0, 10); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("got %v, want a cancelled request", err)
	}
}
