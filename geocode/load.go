package geocode

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aidmap/aidmap"
)

// PointSource is where the gazetteer's points are kept. store.Gazetteer satisfies it.
type PointSource interface {
	EachAddressPoint(ctx context.Context, fn func(aidmap.AddressPoint) error) (int64, error)
	GazetteerVersion(ctx context.Context) (int64, error)
}

// Load builds a Gazetteer from every point in src and returns it with the version it
// reflects.
func Load(ctx context.Context, src PointSource) (*Gazetteer, int64, error) {
	var b Builder
	version, err := src.EachAddressPoint(ctx, func(p aidmap.AddressPoint) error {
		b.Add(p)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("geocode: load gazetteer: %w", err)
	}
	return b.Build(), version, nil
}

// Follow keeps e's gazetteer in step with src: every interval it checks the gazetteer
// version and, when it changed, loads the points again and swaps them in. It returns when
// ctx ends. version is the version e's gazetteer already reflects.
func Follow(ctx context.Context, src PointSource, e *Embedded, version int64, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := src.GazetteerVersion(ctx)
		if err != nil || v == version {
			continue // a store outage is reported by the site feed; try again next tick
		}
		start := time.Now()
		g, v, err := Load(ctx, src)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("gazetteer reload failed", "err", err)
			}
			continue
		}
		e.SetGazetteer(g)
		version = v
		log.Info("gazetteer loaded", "points", g.Len(), "version", v, "took", time.Since(start).Round(time.Millisecond))
	}
}
