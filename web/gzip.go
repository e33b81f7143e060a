package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipMinSize is the smallest body gzipped: below about a kilobyte the gzip header, the
// compressor's setup and its CPU cost more than the bytes saved (a small answer fits in one
// TCP packet either way).
const gzipMinSize = 1024

// gzipLevel trades size for CPU: level 1 (BestSpeed) on a nearest-10 answer gives nearly the
// ratio of level 5 at a fraction of the time (gzip_test.go, BenchmarkGzipLevels), and on 2
// shared cores CPU is what the server runs out of first.
const gzipLevel = gzip.BestSpeed

// gzipper compresses responses of some content types when the client accepts gzip and the body
// is at least minSize bytes. Writers come from a pool: a fresh gzip.Writer allocates about a
// megabyte of compressor state.
type gzipper struct {
	minSize int
	types   []string // media types, without parameters
	pool    sync.Pool
}

func newGzipper(minSize, level int, types ...string) *gzipper {
	g := &gzipper{minSize: minSize, types: types}
	g.pool.New = func() any {
		zw, _ := gzip.NewWriterLevel(io.Discard, level) // the level is a constant known to be valid
		return zw
	}
	return g
}

// varyAcceptEncoding is shared by every response: Header values are only ever replaced or
// appended to (which copies a full slice), never written in place.
var varyAcceptEncoding = []string{"Accept-Encoding"}

// handler is the middleware. Every response through it says Vary: Accept-Encoding, compressed
// or not, so a shared cache never hands a gzipped body to a client that did not ask for one.
func (g *gzipper) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if _, ok := h["Vary"]; ok {
			h.Add("Vary", "Accept-Encoding")
		} else {
			h["Vary"] = varyAcceptEncoding
		}
		if !acceptsGzip(r) { // tiles.go
			next.ServeHTTP(w, r)
			return
		}
		gw := gzipWriterPool.Get().(*gzipWriter)
		*gw = gzipWriter{ResponseWriter: w, g: g, buf: gw.buf[:0], head: r.Method == http.MethodHead}
		defer func() {
			gw.finish()
			if cap(gw.buf) <= 4*g.minSize {
				gw.buf = gw.buf[:0]
			} else {
				gw.buf = nil
			}
			gw.ResponseWriter, gw.zw = nil, nil
			gzipWriterPool.Put(gw)
		}()
		next.ServeHTTP(gw, r)
	})
}

var gzipWriterPool = sync.Pool{New: func() any { return new(gzipWriter) }}

// gzipWriter holds back the status and the first bytes of a response until it knows whether
// the body reaches the threshold. A handler that writes its whole body at once (the list
// endpoints do, with Content-Length) is decided at that one Write, without copying.
type gzipWriter struct {
	http.ResponseWriter
	g       *gzipper
	status  int
	buf     []byte // held back while undecided
	decided bool
	head    bool         // a HEAD request: handlers may set Content-Length and write nothing
	zw      *gzip.Writer // non-nil when compressing
}

func (w *gzipWriter) WriteHeader(code int) {
	if w.decided || w.status != 0 {
		if w.decided {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		// No body follows (1xx are informational: pass them on and keep waiting).
		if code >= 200 {
			w.decide(false)
		}
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *gzipWriter) Write(p []byte) (int, error) {
	if !w.decided {
		if len(w.buf)+len(p) < w.g.minSize {
			if len(w.buf) == 0 && w.completeWith(len(p)) {
				// The whole body, and it is small: send it as it is.
				w.decide(false)
				return w.ResponseWriter.Write(p)
			}
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.decide(true)
		if len(w.buf) > 0 {
			if _, err := w.out().Write(w.buf); err != nil {
				return 0, err
			}
			w.buf = w.buf[:0]
		}
	}
	return w.out().Write(p)
}

// completeWith reports whether n bytes are the whole body, by the Content-Length the handler
// set.
func (w *gzipWriter) completeWith(n int) bool {
	cl := w.Header().Get("Content-Length")
	return cl != "" && cl == strconv.Itoa(n)
}

func (w *gzipWriter) out() io.Writer {
	if w.zw != nil {
		return w.zw
	}
	return w.ResponseWriter
}

// decide sends the header, compressed when big is true and the response may be.
func (w *gzipWriter) decide(big bool) {
	w.decided = true
	h := w.Header()
	if big && w.compressible(h) {
		h.Del("Content-Length")
		h.Set("Content-Encoding", "gzip")
		w.zw = w.g.pool.Get().(*gzip.Writer)
		w.zw.Reset(w.ResponseWriter)
	}
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(w.status)
	}
}

func (w *gzipWriter) compressible(h http.Header) bool {
	if h.Get("Content-Encoding") != "" || w.status == http.StatusPartialContent {
		return false
	}
	ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	ct = strings.TrimSpace(ct)
	for _, t := range w.g.types {
		if strings.EqualFold(ct, t) {
			return true
		}
	}
	return false
}

// Flush sends what is held back: a streaming handler (the exports) flushes long before it ends,
// and is compressed from there on when its type allows.
func (w *gzipWriter) Flush() {
	if !w.decided {
		w.decide(true)
		if len(w.buf) > 0 {
			_, _ = w.out().Write(w.buf)
			w.buf = w.buf[:0]
		}
	}
	if w.zw != nil {
		_ = w.zw.Flush()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// finish ends the response: a small body held back goes out as it is, a gzip stream is closed
// and its writer pooled.
func (w *gzipWriter) finish() {
	if !w.decided {
		// HEAD says what GET would: compressed when GET's body would be big enough.
		big := false
		if w.head && len(w.buf) == 0 {
			n, err := strconv.Atoi(w.Header().Get("Content-Length"))
			big = err == nil && n >= w.g.minSize
		}
		w.decide(big)
		if len(w.buf) > 0 {
			_, _ = w.ResponseWriter.Write(w.buf)
		}
	}
	if w.zw != nil {
		_ = w.zw.Close()
		w.zw.Reset(io.Discard) // drop the connection's writer before pooling
		w.g.pool.Put(w.zw)
		w.zw = nil
	}
}

func (w *gzipWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
