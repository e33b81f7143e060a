package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
)

// syncBuffer is a log destination the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// requestLines returns the "request" log lines, by level.
func (s *syncBuffer) requestLines(t *testing.T) map[string][]map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]map[string]any{}
	for _, line := range bytes.Split(bytes.TrimSpace(s.b.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "request" {
			out[rec["level"].(string)] = append(out[rec["level"].(string)], rec)
		}
	}
	return out
}

// TestRequestLogSampling checks that sampling drops successful requests at the rate asked and
// never an error (5xx) or a slow request.
func TestRequestLogSampling(t *testing.T) {
	sites := demo.Sites(50, 7)
	src := snapshot{ix: publicIndex(sites, 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	for _, tc := range []struct {
		name               string
		cfg                RequestLog
		ok, failed         int // requests answered 200 (/healthz) and 503 (/readyz, store down)
		wantInfo, wantWarn int
	}{
		{"every request by default", RequestLog{}, 40, 5, 40, 0},
		{"one in ten", RequestLog{Sample: 0.1}, 40, 5, 4, 0},
		{"one in four", RequestLog{Sample: 0.25}, 40, 5, 10, 0},
		{"none", RequestLog{Sample: -1}, 40, 5, 0, 0},
		// Slow is 1 ns: every request is slow, so every one is logged, at warn.
		{"slow ones always", RequestLog{Sample: -1, Slow: time.Nanosecond}, 40, 5, 0, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
			h := NewServer(Config{Source: src, Store: pinger{errors.New("store down")}, Logger: logger, RequestLog: tc.cfg}).Handler()
			for range tc.ok {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
				if rec.Code != http.StatusOK {
					t.Fatalf("/healthz: %d", rec.Code)
				}
			}
			for range tc.failed {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
				if rec.Code != http.StatusServiceUnavailable {
					t.Fatalf("/readyz with the store down: %d", rec.Code)
				}
			}
			lines := buf.requestLines(t)
			if got := len(lines["INFO"]); got != tc.wantInfo {
				t.Errorf("%d info request lines, want %d", got, tc.wantInfo)
			}
			if got := len(lines["WARN"]); got != tc.wantWarn {
				t.Errorf("%d warn (slow) request lines, want %d", got, tc.wantWarn)
			}
			if got := len(lines["ERROR"]); got != tc.failed {
				t.Errorf("%d error request lines, want every one of the %d 5xx answers", got, tc.failed)
			}
			for _, rec := range lines["ERROR"] {
				if rec["status"] != float64(http.StatusServiceUnavailable) || rec["route"] != "/readyz" {
					t.Errorf("error line %v", rec)
				}
			}
			for _, rec := range lines["INFO"] {
				if rec["route"] != "/healthz" || rec["status"] != float64(200) {
					t.Errorf("info line %v", rec)
				}
			}
		})
	}
}

// TestRequestLogLevelWarn: at --log-level warn sampled lines are off, errors still logged.
func TestRequestLogLevelWarn(t *testing.T) {
	sites := demo.Sites(20, 7)
	src := snapshot{ix: publicIndex(sites, 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := NewServer(Config{Source: src, Store: pinger{errors.New("store down")}, Logger: logger}).Handler()
	for _, path := range []string{"/healthz", "/readyz", "/healthz", "/readyz"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	lines := buf.requestLines(t)
	if len(lines["INFO"]) != 0 || len(lines["ERROR"]) != 2 {
		t.Errorf("at warn: %d info lines (want 0), %d error lines (want 2)", len(lines["INFO"]), len(lines["ERROR"]))
	}
}

// TestRepeatedRaw checks the allocation-free scan against url.Values.
func TestRepeatedRaw(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool // may repeat: the caller parses to be sure
	}{
		{"", false},
		{"lat=1&lon=2&limit=10", false},
		{"lat=1&lon=2&lat=3", true},
		{"lat=1&&lon=2", false},
		{"lat&lat", true},
		{"lat=1&latitude=2", false},
		{"l%61t=1&lat=2", true}, // an escape: decided by parsing
		{"a+b=1", true},
		{"=1&=2", true},
		{"lat=1&lon=lat", false},
	} {
		if got := repeatedRaw(tc.q); got != tc.want {
			t.Errorf("repeatedRaw(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { repeatedRaw("lat=49.28&lon=-123.12&limit=10&category=food_bank") }); n != 0 {
		t.Errorf("repeatedRaw allocates %.0f times", n)
	}
}
