package geocode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// Cache keeps providers' answers between runs, so that re-uploading a file does not ask a
// rate-limited service again. store.Gazetteer satisfies it.
type Cache interface {
	// GeocodeCache returns the value stored under key, or an error wrapping aidmap.ErrNotFound.
	GeocodeCache(ctx context.Context, key string) ([]byte, error)
	// PutGeocodeCache stores value under key.
	PutGeocodeCache(ctx context.Context, key string, value []byte) error
}

// Geocoder is the geocoder the rest of aidmap uses: the embedded one, and the configured
// external providers in front of it. Providers are asked only when the embedded geocoder has
// no address-level answer (an outside service learns as little as possible about who is
// looking for what, and its rate limit is spent where it helps); their answers are cached;
// when one fails, the embedded answer stands and Result.Note says so.
type Geocoder struct {
	embedded *Embedded
	remote   []Provider
	cache    Cache
	log      *slog.Logger
	now      func() time.Time
}

// NewGeocoder returns a Geocoder. remote may be empty; cache and log may be nil.
func NewGeocoder(embedded *Embedded, remote []Provider, cache Cache, log *slog.Logger) *Geocoder {
	if embedded == nil {
		embedded = NewEmbedded(nil)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Geocoder{embedded: embedded, remote: remote, cache: cache, log: log, now: time.Now}
}

// Embedded returns the embedded geocoder, to swap its gazetteer.
func (g *Geocoder) Embedded() *Embedded { return g.embedded }

// Name returns "aidmap".
func (g *Geocoder) Name() string { return "aidmap" }

// cacheTTL is how long a provider's answer is reused.
const cacheTTL = 90 * 24 * time.Hour

// cached is a provider's answer as the cache keeps it.
type cached struct {
	At      time.Time `json:"at"`
	Results []Result  `json:"results"` // empty: the provider found nothing
}

// Geocode returns candidates best first, or an error wrapping aidmap.ErrNotFound when nothing
// matched (aidmap.ErrUnavailable when nothing matched and a provider could not be asked).
// The query text is never logged.
func (g *Geocoder) Geocode(ctx context.Context, req Request) ([]Result, error) {
	out, err := g.embedded.Geocode(ctx, req)
	if err != nil && !errors.Is(err, aidmap.ErrNotFound) {
		return nil, err
	}
	if len(out) > 0 && out[0].Precision == aidmap.PrecisionAddress && out[0].Confidence >= 0.9 || len(g.remote) == 0 {
		if len(out) == 0 {
			return nil, err
		}
		return out, nil
	}
	var notes []string
	unavailable := false
	key := cacheKey(req)
	for _, p := range g.remote {
		rs, err := g.ask(ctx, p, key, req)
		switch {
		case err == nil:
			out = append(out, rs...)
		case errors.Is(err, aidmap.ErrNotFound):
		case ctx.Err() != nil:
			return nil, fmt.Errorf("geocode: %w", ctx.Err())
		default:
			// The provider's error names the provider and status, never the query.
			g.log.Warn("geocoder provider unavailable; using the embedded geocoder", "provider", p.Name(), "err", err)
			notes = append(notes, p.Name()+" was unavailable")
			unavailable = true
		}
	}
	if len(out) == 0 {
		if unavailable {
			return nil, fmt.Errorf("geocode: %s: %w", strings.Join(notes, ", "), aidmap.ErrUnavailable)
		}
		return nil, fmt.Errorf("geocode: %w", aidmap.ErrNotFound)
	}
	out = rank(out, req.limit())
	if len(notes) > 0 {
		note := strings.Join(notes, ", ") + "; the embedded geocoder answered"
		for i := range out {
			out[i].Note = note
		}
	}
	return out, nil
}

// ask asks one provider, through the cache.
func (g *Geocoder) ask(ctx context.Context, p Provider, key string, req Request) ([]Result, error) {
	key = p.Name() + "\x00" + key
	if g.cache != nil {
		if b, err := g.cache.GeocodeCache(ctx, key); err == nil {
			var c cached
			if json.Unmarshal(b, &c) == nil && g.now().Sub(c.At) < cacheTTL {
				if len(c.Results) == 0 {
					return nil, fmt.Errorf("geocode: %s (cached): %w", p.Name(), aidmap.ErrNotFound)
				}
				return c.Results, nil
			}
		}
	}
	rs, err := p.Geocode(ctx, req)
	if err != nil && !errors.Is(err, aidmap.ErrNotFound) {
		return nil, err
	}
	if g.cache != nil && len(key) <= 1024 {
		if b, jerr := json.Marshal(cached{At: g.now().UTC(), Results: rs}); jerr == nil {
			if perr := g.cache.PutGeocodeCache(ctx, key, b); perr != nil {
				g.log.Warn("geocode cache write failed", "err", perr)
			}
		}
	}
	return rs, err
}

// cacheKey identifies a request by its parsed, normalised parts, so that the same address
// written two ways is asked once.
func cacheKey(req Request) string {
	q := Parse(req)
	return strings.Join([]string{"v1", q.Unit, q.Number, q.Street, q.Locality, q.Region, q.Postcode, q.Country, q.Place, q.POBox}, "|")
}
