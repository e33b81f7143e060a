package web

import (
	"log/slog"
	"maps"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so tests can build
// many servers in one process.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	storeErrors prometheus.Counter

	// routes are the series looked up so far (observerOf): a map replaced whole when a key is
	// added, so a lookup writes no shared memory (a read lock's counter did, on every request).
	routes atomic.Pointer[map[routeKey]*routeObs]
	mu     sync.Mutex // serialises adding to routes
}

func newMetrics(src Source) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aidmap_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aidmap_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aidmap_store_errors_total",
			Help: "Errors talking to the store seen by the HTTP server.",
		}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "aidmap_index_sites",
			Help: "Sites in the in-memory index.",
		}, func() float64 { return float64(src.Index().Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "aidmap_index_version",
			Help: "Store version the in-memory index reflects.",
		}, func() float64 { return float64(src.Index().Version()) }),
	)
	return m
}

// Register adds collectors of other components (such as the feed's) to the server's registry.
func (s *Server) Register(cs ...prometheus.Collector) {
	s.metrics.registry.MustRegister(cs...)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// statusWriter records the status code and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var statusWriterPool = sync.Pool{New: func() any { return new(statusWriter) }}

// RequestLog says which requests the server logs: a sample of them at info level, and always
// those answered with a server error (5xx, at error level) and slow ones (at warn level).
type RequestLog struct {
	// Sample is the share of the other requests logged: the zero value, or 1, logs every one;
	// 0.01 one in a hundred (a busy public replica still shows its traffic's shape at a
	// hundredth of the cost); a negative value none.
	Sample float64
	// Slow: a request that took at least this long is always logged (0: 1 s).
	Slow time.Duration
}

// requestLog decides per request; errors (5xx) and slow requests are logged whatever the
// sample.
type requestLog struct {
	every uint64 // log one request in every; 0 logs none but errors and slow ones
	slow  time.Duration
	n     atomic.Uint64
}

func newRequestLog(c RequestLog) *requestLog {
	l := &requestLog{slow: c.Slow, every: 1}
	if l.slow <= 0 {
		l.slow = time.Second
	}
	switch {
	case c.Sample < 0:
		l.every = 0
	case c.Sample > 0 && c.Sample < 1:
		l.every = uint64(math.Round(1 / c.Sample))
	}
	return l
}

// keep reports whether to log a request that ended with status after elapsed. The sample is
// every n-th request by a counter, not a random draw: exact, and no random source to share.
func (l *requestLog) keep(status int, elapsed time.Duration) bool {
	if status >= 500 || elapsed >= l.slow {
		return true
	}
	switch l.every {
	case 0:
		return false
	case 1:
		return true
	}
	return l.n.Add(1)%l.every == 0
}

// routeKey names one series of the request metrics without building the route pattern: chi
// keeps the patterns of the routers a request went through, and joining them allocates.
type routeKey struct {
	patterns [4]string
	method   string
	code     int
}

// routeObs are the metrics of one route, method and status, looked up once.
type routeObs struct {
	route    string
	requests prometheus.Counter
	latency  prometheus.Observer
}

// observerOf returns the metrics of a request's route, method and status.
func (m *metrics) observerOf(rc *chi.Context, method string, code int) *routeObs {
	var k routeKey
	if rc == nil || len(rc.RoutePatterns) > len(k.patterns) {
		return m.newObs(routeOf(rc), method, code)
	}
	copy(k.patterns[:], rc.RoutePatterns)
	k.method, k.code = method, code
	if routes := m.routes.Load(); routes != nil {
		if o := (*routes)[k]; o != nil {
			return o
		}
	}
	o := m.newObs(routeOf(rc), method, code)
	m.mu.Lock()
	defer m.mu.Unlock()
	next := map[routeKey]*routeObs{}
	// Methods and codes are few; the bound drops odd ones, and keeps each copy small.
	if old := m.routes.Load(); old != nil && len(*old) < maxRouteSeries {
		next = make(map[routeKey]*routeObs, len(*old)+1)
		maps.Copy(next, *old)
	}
	next[k] = o
	m.routes.Store(&next)
	return o
}

const maxRouteSeries = 1024

func (m *metrics) newObs(route, method string, code int) *routeObs {
	return &routeObs{
		route:    route,
		requests: m.requests.WithLabelValues(route, method, strconv.Itoa(code)),
		latency:  m.latency.WithLabelValues(route),
	}
}

// routeOf is the request's route pattern (not its raw path, which would make one series per
// site ID).
func routeOf(rc *chi.Context) string {
	if rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// observe counts and times every request by its route pattern and logs it (see RequestLog).
// The query string is never logged: it holds the positions people search from.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusWriterPool.Get().(*statusWriter)
		*sw = statusWriter{ResponseWriter: w}
		defer func() {
			*sw = statusWriter{}
			statusWriterPool.Put(sw)
		}()
		next.ServeHTTP(sw, r)
		elapsed := time.Since(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		o := s.metrics.observerOf(chi.RouteContext(r.Context()), r.Method, status)
		o.requests.Inc()
		o.latency.Observe(elapsed.Seconds())
		if s.reqLog.keep(status, elapsed) {
			level := slog.LevelInfo // sampled
			switch {
			case status >= 500:
				level = slog.LevelError
			case elapsed >= s.reqLog.slow:
				level = slog.LevelWarn
			}
			if s.logger.Enabled(r.Context(), level) {
				s.logger.LogAttrs(r.Context(), level, "request",
					slog.String("method", r.Method),
					slog.String("route", o.route),
					slog.Int("status", status),
					slog.Int("bytes", sw.bytes),
					slog.Duration("duration", elapsed))
			}
		}
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("path", r.URL.Path), slog.Any("panic", v))
				writeProblem(w, r, problem{Status: http.StatusInternalServerError, Detail: "internal error; it has been logged"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}
