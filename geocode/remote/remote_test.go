package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
)

// fakeClock stands still: Sleep records how long the caller would wait and returns at once
// (or, when blocking, when ctx ends), so no test depends on the wall clock.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	block  bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	block := c.block
	c.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	return ctx.Err()
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// fixtureServer answers every request with one canned response and records what it got.
type fixtureServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	status   int
	header   http.Header
	body     []byte
}

func newFixtureServer(t *testing.T, status int, body []byte) *fixtureServer {
	t.Helper()
	s := &fixtureServer{status: status, body: body, header: http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		status, body := s.status, s.body
		for k, v := range s.header {
			w.Header()[k] = v
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *fixtureServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *fixtureServer) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return nil
	}
	return s.requests[len(s.requests)-1]
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testOptions never sleeps: the clock is fake.
func testOptions() Options {
	return Options{clock: newFakeClock()}
}

func mustNew(t *testing.T, kind, baseURL string, opts Options) geocode.Provider {
	t.Helper()
	p, err := New(kind, baseURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const secretQuery = "Transition House 123 Hidden Lane"

func TestNewValidatesKindAndURL(t *testing.T) {
	for _, kind := range Kinds {
		p, err := New(kind, "https://example.org/geo/", Options{})
		if err != nil {
			t.Fatalf("New(%s): %v", kind, err)
		}
		if p.Name() != kind {
			t.Errorf("New(%s).Name() = %q", kind, p.Name())
		}
	}
	bad := []struct{ name, kind, url string }{
		{"unknown kind", "google", "https://example.org"},
		{"empty URL", "nominatim", ""},
		{"no scheme", "pelias", "example.org:4000"},
		{"ftp", "photon", "ftp://example.org"},
		{"no host", "nominatim", "https://"},
		{"unparseable", "pelias", "http://exa mple.org/%zz"},
		{"fragment", "photon", "https://example.org/#x"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.kind, tc.url, Options{})
			if !errors.Is(err, aidmap.ErrInvalid) {
				t.Fatalf("got %v, want an error wrapping ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), "remote: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestResultsFromFixtures(t *testing.T) {
	type want struct {
		prec     aidmap.Precision
		conf     float64
		label    string
		lat, lon float64
	}
	tests := []struct {
		kind, file string
		want       []want
	}{
		{"nominatim", "nominatim_address.json", []want{
			{aidmap.PrecisionAddress, 0.9, "1150, Raymur Avenue, Strathcona, Vancouver, Metro Vancouver Regional District, British Columbia, V6A 3T2, Canada", 49.2774031, -123.0816502},
		}},
		{"nominatim", "nominatim_mixed.json", []want{
			{aidmap.PrecisionAddress, 0.9, "500, Cordova Street East, Downtown Eastside, Vancouver, Metro Vancouver Regional District, British Columbia, V6A 1L5, Canada", 49.28112945, -123.1008751},
			{aidmap.PrecisionInterpolated, 0.8, "5171, 221A Street, Murrayville, Langley, Metro Vancouver Regional District, British Columbia, V2Y 2N8, Canada", 49.1039861, -122.6566193},
			{aidmap.PrecisionStreet, 0.6, "Raymur Avenue, Strathcona, Vancouver, Metro Vancouver Regional District, British Columbia, V6A 3T2, Canada", 49.2769862, -123.0822741},
			{aidmap.PrecisionPostalCode, 0.5, "V6B 1A1, Downtown, Vancouver, Metro Vancouver Regional District, British Columbia, Canada", 49.2814927, -123.1159744},
			{aidmap.PrecisionLocality, 0.4, "Vancouver, Metro Vancouver Regional District, British Columbia, Canada", 49.2608724, -123.113952},
		}},
		{"pelias", "pelias_mixed.json", []want{
			{aidmap.PrecisionAddress, 1, "1150 Raymur Avenue, Vancouver, BC, Canada", 49.277403, -123.081650},
			{aidmap.PrecisionInterpolated, 0.8, "5171 221A Street, Langley, BC, Canada", 49.103986, -122.656619},
			{aidmap.PrecisionAddress, 0.9, "Union Gospel Mission, Vancouver, BC, Canada", 49.281129, -123.100875},
			{aidmap.PrecisionStreet, 0.7, "Raymur Avenue, Vancouver, BC, Canada", 49.276986, -123.082274},
			{aidmap.PrecisionPostalCode, 0.6, "V6B 1A1, Vancouver, BC, Canada", 49.281493, -123.115974},
			{aidmap.PrecisionLocality, 0.5, "Strathcona, Vancouver, BC, Canada", 49.277592, -123.089584},
			{aidmap.PrecisionLocality, 0.5, "Vancouver, BC, Canada", 49.260872, -123.113952},
		}},
		{"photon", "photon_mixed.json", []want{
			{aidmap.PrecisionAddress, 0.9, "1150 Raymur Avenue, Strathcona, Vancouver, British Columbia V6A 3T2, Canada", 49.2774031, -123.0816502},
			{aidmap.PrecisionAddress, 0.9, "Union Gospel Mission, 601 East Hastings Street, Downtown Eastside, Vancouver, British Columbia V6A 1R1, Canada", 49.28112945, -123.10087510738},
			{aidmap.PrecisionStreet, 0.6, "Raymur Avenue, Strathcona, Vancouver, British Columbia V6A 3T2, Canada", 49.2769862, -123.0822741},
			{aidmap.PrecisionLocality, 0.4, "Strathcona, Vancouver, British Columbia, Canada", 49.2775922, -123.0895836},
			{aidmap.PrecisionLocality, 0.4, "Vancouver, British Columbia, Canada", 49.2608724, -123.1139529},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			srv := newFixtureServer(t, http.StatusOK, fixture(t, tc.file))
			p := mustNew(t, tc.kind, srv.URL, testOptions())
			got, err := p.Geocode(context.Background(), geocode.Request{Text: "raymur", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Precision != w.prec || g.Confidence != w.conf || g.Label != w.label || g.Lat != w.lat || g.Lon != w.lon || g.Source != tc.kind {
					t.Errorf("result %d: got %+v, want %+v from %s", i, g, w, tc.kind)
				}
			}
		})
	}
}

func TestLimitTruncatesAfterDroppingCoarse(t *testing.T) {
	srv := newFixtureServer(t, http.StatusOK, fixture(t, "pelias_mixed.json"))
	p := mustNew(t, "pelias", srv.URL, testOptions())
	got, err := p.Geocode(context.Background(), geocode.Request{Text: "raymur", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d results, want 2", len(got))
	}
}

func TestRequestParams(t *testing.T) {
	addr := aidmap.Address{Street: "5171 221A Street", Unit: "203", Locality: "Langley", Region: "BC", PostalCode: "V2Y 2N8", Country: "CA"}
	tests := []struct {
		name, kind string
		req        geocode.Request
		path       string
		want       url.Values
	}{
		{"nominatim text", "nominatim", geocode.Request{Text: " 203-5171 221A Street, Langley BC "}, "/search", url.Values{
			"format": {"jsonv2"}, "addressdetails": {"1"}, "limit": {"5"}, "q": {"203-5171 221A Street, Langley BC"},
		}},
		{"nominatim structured wins over text", "nominatim", geocode.Request{Text: "ignored", Address: addr, Limit: 3}, "/search", url.Values{
			"format": {"jsonv2"}, "addressdetails": {"1"}, "limit": {"3"},
			"street": {"5171 221A Street"}, "city": {"Langley"}, "state": {"BC"}, "postalcode": {"V2Y 2N8"}, "country": {"CA"},
		}},
		{"nominatim partial address", "nominatim", geocode.Request{Address: aidmap.Address{Locality: "Banff", Region: "AB"}, Limit: 100}, "/search", url.Values{
			"format": {"jsonv2"}, "addressdetails": {"1"}, "limit": {"40"}, "city": {"Banff"}, "state": {"AB"},
		}},
		{"nominatim country only falls back to text", "nominatim", geocode.Request{Text: "Banff", Address: aidmap.Address{Country: "CA"}}, "/search", url.Values{
			"format": {"jsonv2"}, "addressdetails": {"1"}, "limit": {"5"}, "q": {"Banff"},
		}},
		{"pelias text", "pelias", geocode.Request{Text: "Union Gospel Mission Vancouver"}, "/v1/search", url.Values{
			"size": {"5"}, "text": {"Union Gospel Mission Vancouver"},
		}},
		{"pelias structured", "pelias", geocode.Request{Address: addr, Limit: 7}, "/v1/search/structured", url.Values{
			"size": {"7"}, "address": {"5171 221A Street"}, "locality": {"Langley"}, "region": {"BC"}, "postalcode": {"V2Y 2N8"}, "country": {"CA"},
		}},
		{"photon text", "photon", geocode.Request{Text: "Raymur Avenue"}, "/api", url.Values{
			"q": {"Raymur Avenue"}, "limit": {"5"},
		}},
		{"photon structured is written out without the unit", "photon", geocode.Request{Text: "ignored", Address: addr}, "/api", url.Values{
			"q": {"5171 221A Street, Langley, BC V2Y 2N8, CA"}, "limit": {"5"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := fixture(t, tc.kind+"_mixed.json")
			srv := newFixtureServer(t, http.StatusOK, body)
			p := mustNew(t, tc.kind, srv.URL+"/base/", testOptions())
			if _, err := p.Geocode(context.Background(), tc.req); err != nil {
				t.Fatal(err)
			}
			r := srv.last()
			if got, want := r.URL.Path, "/base"+tc.path; got != want {
				t.Errorf("path: got %q, want %q", got, want)
			}
			if got := r.URL.Query(); !equalValues(got, tc.want) {
				t.Errorf("query: got %v, want %v", got, tc.want)
			}
		})
	}
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestBaseURLQueryIsKept(t *testing.T) {
	srv := newFixtureServer(t, http.StatusOK, fixture(t, "pelias_mixed.json"))
	p := mustNew(t, "pelias", srv.URL+"?api_key=ge-123", testOptions())
	if _, err := p.Geocode(context.Background(), geocode.Request{Text: "raymur"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.last().URL.Query().Get("api_key"); got != "ge-123" {
		t.Errorf("api_key: got %q, want ge-123", got)
	}
}

func TestHeadersAndEmail(t *testing.T) {
	srv := newFixtureServer(t, http.StatusOK, fixture(t, "nominatim_address.json"))
	opts := testOptions()
	opts.Email = "ops@example.org"
	p := mustNew(t, "nominatim", srv.URL, opts)
	if _, err := p.Geocode(context.Background(), geocode.Request{Text: "1150 Raymur Ave"}); err != nil {
		t.Fatal(err)
	}
	r := srv.last()
	if got := r.Header.Get("User-Agent"); !strings.HasPrefix(got, "aidmap/") || !strings.Contains(got, "https://github.com/aidmap/aidmap") {
		t.Errorf("User-Agent: got %q, want aidmap/VERSION (+https://github.com/aidmap/aidmap)", got)
	}
	if got := r.URL.Query().Get("email"); got != "ops@example.org" {
		t.Errorf("email: got %q", got)
	}

	opts.UserAgent = UserAgent("v1.2.3")
	p = mustNew(t, "photon", srv.URL, opts)
	_, _ = p.Geocode(context.Background(), geocode.Request{Text: "x"})
	if got, want := srv.last().Header.Get("User-Agent"), "aidmap/v1.2.3 (+https://github.com/aidmap/aidmap)"; got != want {
		t.Errorf("User-Agent: got %q, want %q", got, want)
	}
	if srv.last().URL.Query().Has("email") {
		t.Error("photon was sent Nominatim's email parameter")
	}
}

func TestUnavailable(t *testing.T) {
	big := []byte("[" + strings.Repeat(`{"lat":"1","lon":"1"},`, MaxResponseBytes/20) + "{}]")
	tests := []struct {
		name    string
		status  int
		body    []byte
		wantMsg string
	}{
		{"429", http.StatusTooManyRequests, []byte(`{"error":"Too Many Requests"}`), "HTTP 429"},
		{"500", http.StatusInternalServerError, []byte("oops"), "HTTP 500"},
		{"502", http.StatusBadGateway, []byte("<html>bad gateway</html>"), "HTTP 502"},
		{"503", http.StatusServiceUnavailable, nil, "HTTP 503"},
		{"403", http.StatusForbidden, nil, "usage policy"},
		{"404", http.StatusNotFound, nil, "base URL"},
		{"garbage", http.StatusOK, []byte("<html>captive portal</html>"), "malformed"},
		{"truncated", http.StatusOK, []byte(`{"type":"FeatureCollection","features":[{"geometry":`), "malformed"},
		{"wrong shape", http.StatusOK, []byte(`{"error":{"code":400,"message":"Nothing to search for."}}`), "malformed"},
		{"too large", http.StatusOK, big, "larger than"},
	}
	for _, kind := range Kinds {
		for _, tc := range tests {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				srv := newFixtureServer(t, tc.status, tc.body)
				p := mustNew(t, kind, srv.URL, testOptions())
				_, err := p.Geocode(context.Background(), geocode.Request{Text: secretQuery})
				checkUnavailable(t, err, kind, tc.wantMsg)
			})
		}
	}
}

// checkUnavailable asserts err wraps ErrUnavailable, names the provider and says what
// went wrong without revealing the query.
func checkUnavailable(t *testing.T, err error, kind, wantMsg string) {
	t.Helper()
	if !errors.Is(err, aidmap.ErrUnavailable) {
		t.Fatalf("got %v, want an error wrapping ErrUnavailable", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "remote: "+kind+": ") || !strings.Contains(msg, wantMsg) {
		t.Errorf("got %q, want it to start with remote: %s: and contain %q", msg, kind, wantMsg)
	}
	for _, leak := range []string{secretQuery, url.QueryEscape(secretQuery), "Hidden", "Lane"} {
		if strings.Contains(msg, leak) {
			t.Errorf("error %q reveals the query", msg)
		}
	}
}

func TestTimeoutAndRefused(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up (or the test ends)
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	closed := httptest.NewServer(http.NotFoundHandler())
	refusedURL := closed.URL
	closed.Close()

	for _, kind := range Kinds {
		t.Run(kind+"/timeout", func(t *testing.T) {
			opts := testOptions()
			opts.Timeout = 10 * time.Millisecond // the server never answers, so the length only bounds the test's run time
			p := mustNew(t, kind, slow.URL, opts)
			_, err := p.Geocode(context.Background(), geocode.Request{Text: secretQuery})
			checkUnavailable(t, err, kind, "no answer within 10ms")
		})
		t.Run(kind+"/refused", func(t *testing.T) {
			p := mustNew(t, kind, refusedURL, testOptions())
			_, err := p.Geocode(context.Background(), geocode.Request{Text: secretQuery})
			checkUnavailable(t, err, kind, "request failed")
		})
	}
}

func TestNotFound(t *testing.T) {
	tests := []struct{ kind, body string }{
		{"nominatim", "[]"},
		{"nominatim", string(fixture(t, "nominatim_coarse.json"))},
		{"nominatim", `[{"lat":"0","lon":"0","category":"place","type":"house","place_rank":30,"display_name":"null island"}]`},
		{"pelias", string(fixture(t, "pelias_empty.json"))},
		{"pelias", string(fixture(t, "pelias_coarse.json"))},
		{"photon", string(fixture(t, "photon_empty.json"))},
		{"photon", string(fixture(t, "photon_coarse.json"))},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d", tc.kind, i), func(t *testing.T) {
			srv := newFixtureServer(t, http.StatusOK, []byte(tc.body))
			p := mustNew(t, tc.kind, srv.URL, testOptions())
			_, err := p.Geocode(context.Background(), geocode.Request{Text: secretQuery})
			if !errors.Is(err, aidmap.ErrNotFound) || errors.Is(err, aidmap.ErrUnavailable) {
				t.Fatalf("got %v, want an error wrapping ErrNotFound only", err)
			}
			if strings.Contains(err.Error(), "Hidden") {
				t.Errorf("error %q reveals the query", err)
			}
		})
	}
}

func TestEmptyRequest(t *testing.T) {
	for _, kind := range Kinds {
		srv := newFixtureServer(t, http.StatusOK, nil)
		p := mustNew(t, kind, srv.URL, testOptions())
		_, err := p.Geocode(context.Background(), geocode.Request{Text: "  "})
		if !errors.Is(err, aidmap.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", kind, err)
		}
		if srv.count() != 0 {
			t.Errorf("%s: an empty request was sent", kind)
		}
	}
}

// mapCache is a Cache like the store's: ErrNotFound on a miss.
type mapCache struct {
	mu      sync.Mutex
	m       map[string][]byte
	gets    int
	failGet bool
}

func (c *mapCache) GeocodeCache(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	if c.failGet {
		return nil, errors.New("sqlite: database is locked")
	}
	v, ok := c.m[key]
	if !ok {
		return nil, fmt.Errorf("store: geocode cache %s: %w", key, aidmap.ErrNotFound)
	}
	return v, nil
}

func (c *mapCache) PutGeocodeCache(_ context.Context, key string, value []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[key] = slices.Clone(value)
	return nil
}

func TestMemoryCache(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			srv := newFixtureServer(t, http.StatusOK, fixture(t, kind+"_mixed.json"))
			p := mustNew(t, kind, srv.URL, testOptions())
			req := geocode.Request{Text: "raymur"}
			first, err := p.Geocode(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			first[0].Label = "changed by the caller"
			second, err := p.Geocode(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("got %d HTTP requests, want 1 (the second answered from memory)", n)
			}
			if second[0].Label == "changed by the caller" {
				t.Error("the cache hands out the slice a caller can modify")
			}
			if _, err := p.Geocode(context.Background(), geocode.Request{Text: "raymur", Limit: 2}); err != nil {
				t.Fatal(err)
			}
			if n := srv.count(); n != 2 {
				t.Errorf("got %d HTTP requests, want 2 (another limit is another question)", n)
			}
		})
	}
}

func TestMemoryCacheRemembersNotFound(t *testing.T) {
	srv := newFixtureServer(t, http.StatusOK, []byte("[]"))
	cache := &mapCache{}
	opts := testOptions()
	opts.Cache = cache
	p := mustNew(t, "nominatim", srv.URL, opts)
	for range 2 {
		if _, err := p.Geocode(context.Background(), geocode.Request{Text: "nowhere"}); !errors.Is(err, aidmap.ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	}
	if n := srv.count(); n != 1 {
		t.Errorf("got %d HTTP requests, want 1", n)
	}
	if len(cache.m) != 0 {
		t.Errorf("a not-found answer was stored persistently: %v", cache.m)
	}
}

func TestPersistentCache(t *testing.T) {
	srv := newFixtureServer(t, http.StatusOK, fixture(t, "nominatim_mixed.json"))
	cache := &mapCache{}
	opts := testOptions()
	opts.Cache = cache
	req := geocode.Request{Address: aidmap.Address{Street: "500 E Cordova St", Locality: "Vancouver"}}
	first, err := mustNew(t, "nominatim", srv.URL, opts).Geocode(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(cache.m) != 1 {
		t.Fatalf("cache holds %d values, want 1", len(cache.m))
	}
	for k, v := range cache.m {
		if !strings.HasPrefix(k, "remote:nominatim:") || strings.Contains(k, "Cordova") || strings.Contains(string(v), "500 E Cordova") {
			t.Errorf("cache entry %q = %s holds the query text", k, v)
		}
	}

	// A new process (a fresh provider, empty memory) reads the answer from the store.
	again, err := mustNew(t, "nominatim", srv.URL, opts).Geocode(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("got %d HTTP requests, want 1", n)
	}
	if !slices.Equal(first, again) {
		t.Errorf("from the cache: got %+v, want %+v", again, first)
	}

	// Another server is another cache key.
	other := newFixtureServer(t, http.StatusOK, fixture(t, "nominatim_mixed.json"))
	if _, err := mustNew(t, "nominatim", other.URL, opts).Geocode(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if other.count() != 1 {
		t.Error("a second server's provider answered from the first one's cache entries")
	}
}

func TestPersistentCacheFailuresAreMisses(t *testing.T) {
	tests := []struct {
		name  string
		cache *mapCache
	}{
		{"read error", &mapCache{failGet: true}},
		{"unreadable value", &mapCache{m: map[string][]byte{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFixtureServer(t, http.StatusOK, fixture(t, "photon_mixed.json"))
			opts := testOptions()
			opts.Cache = tc.cache
			opts.CacheSize = -1
			p := mustNew(t, "photon", srv.URL, opts)
			if tc.cache.m != nil { // poison the exact key this request will use
				q := url.Values{"q": {"raymur"}, "limit": {"5"}}
				tc.cache.m[p.(*Photon).c.cacheKey(srv.URL+"/api?"+q.Encode())] = []byte(`{"v":1,"results":[{"Lat":999}]}`)
			}
			if _, err := p.Geocode(context.Background(), geocode.Request{Text: "raymur"}); err != nil {
				t.Fatalf("got %v, want the service's answer", err)
			}
			if srv.count() != 1 {
				t.Errorf("got %d HTTP requests, want 1", srv.count())
			}
		})
	}
}

func TestBackOffAfter429(t *testing.T) {
	clk := newFakeClock()
	srv := newFixtureServer(t, http.StatusTooManyRequests, nil)
	srv.header.Set("Retry-After", "120")
	p := mustNew(t, "nominatim", srv.URL, Options{clock: clk})
	ctx := context.Background()
	_, err := p.Geocode(ctx, geocode.Request{Text: "a"})
	checkUnavailable(t, err, "nominatim", "HTTP 429")

	_, err = p.Geocode(ctx, geocode.Request{Text: "b"})
	checkUnavailable(t, err, "nominatim", "rate-limited by the service for another 2m0s")
	if srv.count() != 1 {
		t.Fatalf("got %d requests while backing off, want 1", srv.count())
	}

	clk.advance(121 * time.Second)
	srv.mu.Lock()
	srv.status, srv.body = http.StatusOK, fixture(t, "nominatim_address.json")
	srv.mu.Unlock()
	if _, err := p.Geocode(ctx, geocode.Request{Text: "b"}); err != nil {
		t.Fatalf("after the back-off: %v", err)
	}
}

func TestBackOffDuration(t *testing.T) {
	tests := []struct {
		retryAfter string
		want       time.Duration
	}{
		{"", defaultBackoff},
		{"5", 5 * time.Second},
		{"junk", defaultBackoff},
		{"86400", maxBackoff},
		{"-3", defaultBackoff},
		{"Wed, 25 Nov 2026 12:10:00 GMT", 10 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.retryAfter, func(t *testing.T) {
			clk := newFakeClock()
			c, err := newClient("photon", "http://localhost", Options{clock: clk}, 0)
			if err != nil {
				t.Fatal(err)
			}
			c.backOff(tc.retryAfter)
			if got := c.blockedUntil.Sub(clk.Now()); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNominatimRateLimit(t *testing.T) {
	clk := newFakeClock()
	srv := newFixtureServer(t, http.StatusOK, fixture(t, "nominatim_address.json"))
	p := mustNew(t, "nominatim", srv.URL, Options{clock: clk})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := p.Geocode(context.Background(), geocode.Request{Text: fmt.Sprint("query ", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// The clock stands still, so the four callers reserve slots 0, 1, 2 and 3 s from now:
	// the first goes at once and the others sleep 1, 2 and 3 s, in whatever order they ran.
	got := clk.recorded()
	slices.Sort(got)
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("sleeps: got %v, want %v", got, want)
	}
	if srv.count() != 4 {
		t.Errorf("got %d requests, want 4", srv.count())
	}

	// A cached answer costs no slot.
	if _, err := p.Geocode(context.Background(), geocode.Request{Text: "query 0"}); err != nil {
		t.Fatal(err)
	}
	if n := len(clk.recorded()); n != 3 {
		t.Errorf("a cached answer waited for a slot (%d sleeps)", n)
	}
}

func TestRateLimitDefaults(t *testing.T) {
	tests := []struct {
		kind, url string
		min       time.Duration
		want      time.Duration
	}{
		{"nominatim", "http://localhost:8080", 0, time.Second},
		{"nominatim", "http://localhost:8080", 100 * time.Millisecond, 100 * time.Millisecond},
		{"nominatim", "https://nominatim.openstreetmap.org", 100 * time.Millisecond, time.Second},
		{"nominatim", "https://NOMINATIM.openstreetmap.org/", 2 * time.Second, 2 * time.Second},
		{"pelias", "http://localhost:4000", 0, 0},
		{"photon", "https://photon.komoot.io", 500 * time.Millisecond, 500 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.kind+" "+tc.url+" "+tc.min.String(), func(t *testing.T) {
			p := mustNew(t, tc.kind, tc.url, Options{MinInterval: tc.min})
			var c *client
			switch p := p.(type) {
			case *Nominatim:
				c = p.c
			case *Pelias:
				c = p.c
			case *Photon:
				c = p.c
			}
			var got time.Duration
			if c.limit != nil {
				got = c.limit.interval
			}
			if got != tc.want {
				t.Errorf("interval: got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestWaitHonoursContext(t *testing.T) {
	clk := newFakeClock()
	srv := newFixtureServer(t, http.StatusOK, fixture(t, "nominatim_address.json"))
	p := mustNew(t, "nominatim", srv.URL, Options{clock: clk})
	if _, err := p.Geocode(context.Background(), geocode.Request{Text: "first"}); err != nil {
		t.Fatal(err)
	}
	clk.mu.Lock()
	clk.block = true
	clk.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := p.Geocode(ctx, geocode.Request{Text: secretQuery})
		done <- err
	}()
	cancel()
	err := <-done
	checkUnavailable(t, err, "nominatim", "waiting for a request slot")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want it to wrap context.Canceled", err)
	}
	if srv.count() != 1 {
		t.Errorf("a cancelled caller sent a request")
	}
}

func TestCacheValueRoundTrip(t *testing.T) {
	res := []geocode.Result{{Lat: 49.28, Lon: -123.1, Precision: aidmap.PrecisionStreet, Confidence: 0.6, Label: "Raymur Avenue", Source: "pelias"}}
	b, err := encodeResults(res)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeResults(b)
	if err != nil || !slices.Equal(got, res) {
		t.Fatalf("got %+v, %v, want %+v", got, err, res)
	}
	for _, bad := range []string{``, `[]`, `{"v":2,"results":[]}`, `{"v":1,"results":[{"Lat":1,"Lon":2,"Precision":"exact"}]}`} {
		if _, err := decodeResults([]byte(bad)); err == nil {
			t.Errorf("decodeResults(%s): got no error", bad)
		}
	}
}

func TestNewFromSpec(t *testing.T) {
	tests := []struct {
		spec, want string // want is the provider name, or "" for an error
	}{
		{"nominatim=https://nominatim.openstreetmap.org", "nominatim"},
		{"Pelias=http://localhost:4000/", "pelias"},
		{"photon=https://photon.komoot.io?lang=en", "photon"},
		{"photon", ""},
		{"https://photon.komoot.io", ""},
		{"bing=https://example.org", ""},
		{"nominatim=", ""},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			p, err := NewFromSpec(tc.spec, Options{})
			if tc.want == "" {
				if !errors.Is(err, aidmap.ErrInvalid) {
					t.Errorf("got %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil || p.Name() != tc.want {
				t.Errorf("got %v, %v, want %s", p, err, tc.want)
			}
		})
	}
}
