// Package remote geocodes through external services a deployer configures by URL: Nominatim,
// Pelias and Photon. Each provider maps the service's own result kinds to aidmap's precisions
// honestly and drops anything coarser than a locality (a county, region or country centroid
// is not a place anyone can walk to), so a chain falls back rather than pins a site to a
// province's middle.
//
// Queries may reveal who is looking for help, so nothing here logs a query or puts it (or a
// URL that holds it) into an error message; cache keys are hashes. Every failure to look
// (HTTP 429/5xx, timeouts, refused connections, malformed or oversized bodies) wraps
// aidmap.ErrUnavailable, and an empty answer wraps aidmap.ErrNotFound, as geocode.Provider
// requires.
//
// It imports the domain and geocode only; it never reads flags or environment.
package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
)

const (
	// DefaultTimeout bounds one HTTP request (not the wait for a rate-limit slot, which the
	// caller's context bounds).
	DefaultTimeout = 5 * time.Second
	// DefaultCacheSize is how many answers the in-memory LRU keeps per provider.
	DefaultCacheSize = 1024
	// DefaultLimit is how many candidates a request asks for when Request.Limit is 0.
	DefaultLimit = 5
	// MaxLimit caps Request.Limit: Nominatim and Pelias refuse more than 40.
	MaxLimit = 40
	// MaxResponseBytes bounds a response body: a real answer of 40 candidates is a few
	// tens of kilobytes, so anything bigger is a misconfigured URL or a hostile server.
	MaxResponseBytes = 2 << 20

	// defaultBackoff is how long a provider refuses to send after an HTTP 429 without a
	// Retry-After header; maxBackoff caps what a server may ask for.
	defaultBackoff = 30 * time.Second
	maxBackoff     = time.Hour
)

// Cache is a persistent store of answers keyed by an opaque string. Its method set is the
// store's (store.Gazetteer), so a store plugs in as it is. GeocodeCache returns an error
// wrapping aidmap.ErrNotFound on a miss; any other error is logged and treated as a miss, so
// a failing cache slows geocoding down but never stops it.
type Cache interface {
	GeocodeCache(ctx context.Context, key string) ([]byte, error)
	PutGeocodeCache(ctx context.Context, key string, value []byte) error
}

// Options configure a provider. The zero value is usable.
type Options struct {
	// UserAgent is sent with every request; Nominatim's usage policy requires one that
	// names the application. Empty means UserAgent("") (this binary's version).
	UserAgent string
	// Email is sent to Nominatim as its email parameter, so its operators can reach the
	// deployer instead of blocking them. Other providers ignore it.
	Email string
	// Timeout bounds one HTTP request; 0 means DefaultTimeout.
	Timeout time.Duration
	// MinInterval is the least time between two requests a provider sends, shared by all
	// its callers. 0 means the provider's default: 1 s for Nominatim (its usage policy),
	// none for Pelias and Photon. The public nominatim.openstreetmap.org is never asked
	// more often than once a second, whatever this says.
	MinInterval time.Duration
	// Cache, when set, is consulted after the in-memory LRU and given every answer found.
	// Not-found answers are kept only in memory: a persistent "no" would outlive the
	// service's next data update.
	Cache Cache
	// CacheSize is the in-memory LRU's capacity in answers; 0 means DefaultCacheSize and a
	// negative value turns it off.
	CacheSize int
	// Client sends the requests; nil means a client of its own with no redirects to other
	// hosts' query strings kept (http.Client's default policy).
	Client *http.Client
	// Logger receives warnings (a failing cache); nil discards them. Queries are never logged.
	Logger *slog.Logger

	clock clock // tests inject a fake; nil means the wall clock
}

// UserAgent returns the User-Agent aidmap sends, "aidmap/VERSION (+https://github.com/aidmap/aidmap)".
// An empty version means the module version from the build information.
func UserAgent(version string) string {
	if version == "" {
		version = "devel"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			version = info.Main.Version
		}
	}
	return "aidmap/" + version + " (+https://github.com/aidmap/aidmap)"
}

// Kinds lists the provider kinds New accepts.
var Kinds = []string{"nominatim", "pelias", "photon"}

// New returns the provider of the given kind ("nominatim", "pelias" or "photon") at baseURL,
// so that the command line can wire a flag such as --geocoder nominatim=https://host.
func New(kind, baseURL string, opts Options) (geocode.Provider, error) {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "nominatim":
		return NewNominatim(baseURL, opts)
	case "pelias":
		return NewPelias(baseURL, opts)
	case "photon":
		return NewPhoton(baseURL, opts)
	}
	return nil, fmt.Errorf("remote: unknown geocoder kind %q (want one of %s): %w", kind, strings.Join(Kinds, ", "), aidmap.ErrInvalid)
}

// NewFromSpec returns the provider a spec such as "nominatim=https://nominatim.example.org"
// names: a kind, "=", and the base URL. It is the form of the command line's --geocoder flag.
func NewFromSpec(spec string, opts Options) (geocode.Provider, error) {
	kind, baseURL, ok := strings.Cut(spec, "=")
	if !ok {
		return nil, fmt.Errorf("remote: geocoder %q: want KIND=URL, KIND one of %s: %w", spec, strings.Join(Kinds, ", "), aidmap.ErrInvalid)
	}
	return New(kind, baseURL, opts)
}

// client is what the three providers share: the base URL, HTTP, the rate limit, the
// server-requested back-off and both caches.
type client struct {
	name      string
	base      *url.URL
	userAgent string
	timeout   time.Duration
	http      *http.Client
	clock     clock
	limit     *limiter // nil: no interval between requests
	mem       *lru     // nil: no in-memory cache
	cache     Cache
	log       *slog.Logger

	mu           sync.Mutex
	blockedUntil time.Time // after a 429: refuse to send before this
}

func newClient(name, baseURL string, opts Options, defaultInterval time.Duration) (*client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("remote: %s: %w", name, err)
	}
	c := &client{
		name:      name,
		base:      base,
		userAgent: opts.UserAgent,
		timeout:   opts.Timeout,
		http:      opts.Client,
		clock:     opts.clock,
		cache:     opts.Cache,
		log:       opts.Logger,
	}
	if c.userAgent == "" {
		c.userAgent = UserAgent("")
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.clock == nil {
		c.clock = wallClock{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	interval := opts.MinInterval
	if interval <= 0 {
		interval = defaultInterval
	}
	if name == "nominatim" && strings.EqualFold(base.Hostname(), "nominatim.openstreetmap.org") {
		interval = max(interval, time.Second)
	}
	if interval > 0 {
		c.limit = newLimiter(interval, c.clock)
	}
	size := opts.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		c.mem = newLRU(size)
	}
	return c, nil
}

// parseBaseURL accepts an absolute http(s) URL, possibly with a path prefix (a service
// behind a reverse proxy) and query parameters every request carries (an api_key).
func parseBaseURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("base URL is empty: %w", aidmap.ErrInvalid)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w: %w", s, errors.Unwrap(err), aidmap.ErrInvalid)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("base URL %q: scheme must be http or https: %w", s, aidmap.ErrInvalid)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("base URL %q: no host: %w", s, aidmap.ErrInvalid)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q: a fragment is not allowed: %w", s, aidmap.ErrInvalid)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// limitOf returns the candidate count to ask for.
func limitOf(req geocode.Request) int {
	switch {
	case req.Limit <= 0:
		return DefaultLimit
	case req.Limit > MaxLimit:
		return MaxLimit
	}
	return req.Limit
}

// errEmptyRequest is returned for a request with neither text nor address.
func errEmptyRequest(name string) error {
	return fmt.Errorf("remote: %s: request has neither text nor address: %w", name, aidmap.ErrInvalid)
}

// parseFunc turns a response body into results, best first, coarse ones already dropped.
// A body that is not the service's format is an error.
type parseFunc func(body []byte) ([]geocode.Result, error)

// search answers one request: memory, then the persistent cache, then (after the rate
// limit) the service. path is appended to the base URL; params are merged over its query.
func (c *client) search(ctx context.Context, path string, params url.Values, limit int, parse parseFunc) ([]geocode.Result, error) {
	u := *c.base
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.Path += path
	u.RawQuery = q.Encode()
	key := c.cacheKey(u.String())

	if res, ok, err := c.cached(ctx, key, limit); ok {
		return res, err
	}
	if err := c.checkBlocked(); err != nil {
		return nil, err
	}
	if c.limit != nil {
		if err := c.limit.wait(ctx); err != nil {
			return nil, fmt.Errorf("remote: %s: waiting for a request slot: %w: %w", c.name, aidmap.ErrUnavailable, err)
		}
		// While this caller waited its turn, another may have fetched the same answer, or
		// the service may have told us to back off.
		if res, ok, err := c.fromMemory(key, limit); ok {
			return res, err
		}
		if err := c.checkBlocked(); err != nil {
			return nil, err
		}
	}
	body, err := c.get(ctx, u.String())
	if err != nil {
		return nil, err
	}
	res, err := parse(body)
	if err != nil {
		return nil, fmt.Errorf("remote: %s: malformed response: %w: %w", c.name, err, aidmap.ErrUnavailable)
	}
	if c.mem != nil {
		c.mem.put(key, res)
	}
	if len(res) == 0 {
		return nil, c.notFound()
	}
	if c.cache != nil {
		if b, err := encodeResults(res); err == nil {
			if err := c.cache.PutGeocodeCache(ctx, key, b); err != nil {
				c.log.Warn("geocode cache write failed", "provider", c.name, "err", err)
			}
		}
	}
	return truncate(res, limit), nil
}

func (c *client) notFound() error {
	return fmt.Errorf("remote: %s: no match finer than a region: %w", c.name, aidmap.ErrNotFound)
}

// cached looks in memory, then in the persistent cache. ok reports a hit (found or, from
// memory, not found).
func (c *client) cached(ctx context.Context, key string, limit int) ([]geocode.Result, bool, error) {
	if res, ok, err := c.fromMemory(key, limit); ok {
		return res, ok, err
	}
	if c.cache == nil {
		return nil, false, nil
	}
	b, err := c.cache.GeocodeCache(ctx, key)
	if err != nil {
		if !errors.Is(err, aidmap.ErrNotFound) {
			c.log.Warn("geocode cache read failed", "provider", c.name, "err", err)
		}
		return nil, false, nil
	}
	res, err := decodeResults(b)
	if err != nil || len(res) == 0 {
		c.log.Warn("geocode cache holds an unreadable value; asking the service", "provider", c.name)
		return nil, false, nil
	}
	if c.mem != nil {
		c.mem.put(key, res)
	}
	return truncate(res, limit), true, nil
}

func (c *client) fromMemory(key string, limit int) ([]geocode.Result, bool, error) {
	if c.mem == nil {
		return nil, false, nil
	}
	res, ok := c.mem.get(key)
	if !ok {
		return nil, false, nil
	}
	if len(res) == 0 {
		return nil, true, c.notFound()
	}
	return truncate(res, limit), true, nil
}

// cacheKey hashes the full request URL (base, path and parameters, so that two services or
// two limits never share an answer) so that no query text is stored in the clear.
func (c *client) cacheKey(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return "remote:" + c.name + ":" + hex.EncodeToString(sum[:])
}

func (c *client) checkBlocked() error {
	c.mu.Lock()
	until := c.blockedUntil
	c.mu.Unlock()
	if now := c.clock.Now(); now.Before(until) {
		return fmt.Errorf("remote: %s: rate-limited by the service for another %s: %w",
			c.name, until.Sub(now).Round(time.Second), aidmap.ErrUnavailable)
	}
	return nil
}

// backOff stops requests until the time the service asked for (Retry-After in seconds or
// as an HTTP date), or for defaultBackoff when it did not say, at most maxBackoff.
func (c *client) backOff(retryAfter string) {
	now := c.clock.Now()
	d := defaultBackoff
	if secs, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && secs >= 0 {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(retryAfter); err == nil {
		d = t.Sub(now)
	}
	d = min(max(d, 0), maxBackoff)
	c.mu.Lock()
	if until := now.Add(d); until.After(c.blockedUntil) {
		c.blockedUntil = until
	}
	c.mu.Unlock()
}

// get fetches rawURL and returns its body. Errors never include the URL, which holds the query.
func (c *client) get(ctx context.Context, rawURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("remote: %s: build request: %w", c.name, stripURL(err))
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		err = stripURL(err)
		if ne := net.Error(nil); errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("remote: %s: no answer within %s: %w: %w", c.name, c.timeout, aidmap.ErrUnavailable, err)
		}
		return nil, fmt.Errorf("remote: %s: request failed: %w: %w", c.name, err, aidmap.ErrUnavailable)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		hint := ""
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			c.backOff(resp.Header.Get("Retry-After"))
			hint = " (rate-limited; backing off)"
		case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
			c.backOff(resp.Header.Get("Retry-After"))
		case resp.StatusCode == http.StatusForbidden:
			hint = " (blocked? check the User-Agent and the service's usage policy)"
		case resp.StatusCode == http.StatusNotFound:
			hint = " (is the base URL right?)"
		}
		return nil, fmt.Errorf("remote: %s: HTTP %s%s: %w", c.name, resp.Status, hint, aidmap.ErrUnavailable)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("remote: %s: read response: %w: %w", c.name, stripURL(err), aidmap.ErrUnavailable)
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("remote: %s: response larger than %d bytes: %w", c.name, MaxResponseBytes, aidmap.ErrUnavailable)
	}
	return body, nil
}

// stripURL drops the URL (with the query in it) that net/http puts into its errors.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func truncate(res []geocode.Result, limit int) []geocode.Result {
	if len(res) > limit {
		res = res[:limit]
	}
	return append([]geocode.Result(nil), res...) // callers may modify what they get
}

// cacheValue is the persistent cache's value: versioned so that a change of form is read as
// a miss instead of a wrong answer.
type cacheValue struct {
	V       int              `json:"v"`
	Results []geocode.Result `json:"results"`
}

const cacheVersion = 1

func encodeResults(res []geocode.Result) ([]byte, error) {
	return json.Marshal(cacheValue{V: cacheVersion, Results: res})
}

func decodeResults(b []byte) ([]geocode.Result, error) {
	var v cacheValue
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	if v.V != cacheVersion {
		return nil, fmt.Errorf("cache value version %d, want %d", v.V, cacheVersion)
	}
	for _, r := range v.Results {
		if !validResult(r) {
			return nil, errors.New("cache value holds an invalid result")
		}
	}
	return v.Results, nil
}

// validResult reports whether r is a result this package could have produced.
func validResult(r geocode.Result) bool {
	return validLatLon(r.Lat, r.Lon) && r.Precision.Valid() && r.Precision != aidmap.PrecisionExact &&
		r.Confidence >= 0 && r.Confidence <= 1
}

// validLatLon rejects NaN, infinities and out-of-range degrees, and the 0,0 "null island"
// some services answer with when they have no geometry.
func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0)
}

// Confidence for services that report no match score (Nominatim, Photon). Both only return
// places that matched every query term, so what is left to doubt is how specific the place
// is: a house number is what was asked for, a town is merely where it is. Nominatim's
// importance is not used: it measures a place's fame (Wikipedia links), not how well it
// matched.
func baseConfidence(p aidmap.Precision) float64 {
	switch p {
	case aidmap.PrecisionAddress:
		return 0.9
	case aidmap.PrecisionInterpolated:
		return 0.8
	case aidmap.PrecisionStreet:
		return 0.6
	case aidmap.PrecisionPostalCode:
		return 0.5
	case aidmap.PrecisionLocality:
		return 0.4
	}
	return 0
}

// clamp01 returns x limited to 0..1, and 0 for NaN.
func clamp01(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	return min(x, 1)
}
