package main

import (
	"context"
	"fmt"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/place"
	"github.com/aidmap/aidmap/store"
)

// exportPlaceBatch is how many sites the HSDS export links at a time while it finds the
// places (place.Graph.Update links each batch against those before it, as the server links
// an upload): the sites themselves are not all held at once, only what matching keeps.
const exportPlaceBatch = 1 << 16

// exportPlaces finds the places of several providers among the store's published sites as
// the server's place view does (#19): package place over the sites' public forms (a
// confidential site is never linked) and the stewards' decisions, so the HSDS export writes
// each place as one location, as the API does.
func exportPlaces(ctx context.Context, st store.Store, pub *aidmap.Publisher) (*place.Places, error) {
	g := place.NewGraph(place.Options{})
	batch := make([]aidmap.Site, 0, exportPlaceBatch)
	if _, err := st.EachSite(ctx, func(s aidmap.Site) error {
		if public := pub.Public(&s); public.Visible() {
			batch = append(batch, public)
		}
		if len(batch) == cap(batch) {
			g.Update(batch)
			batch = batch[:0]
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("export: places: %w", err)
	}
	g.Update(batch)
	if dec, ok := st.(store.PlaceDecisions); ok {
		ds, err := dec.PlaceDecisions(ctx)
		if err != nil {
			return nil, fmt.Errorf("export: place decisions: %w", err)
		}
		decs := make([]place.Decision, 0, len(ds))
		for _, d := range ds {
			decs = append(decs, place.Decision{A: d.SiteA, B: d.SiteB, Confirmed: d.Decision == store.DecisionConfirmed})
		}
		g.SetDecisions(decs)
	}
	return g.Places(), nil
}
