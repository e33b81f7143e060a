package web

import (
	"context"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/hsds"
	"github.com/aidmap/aidmap/place"
)

// hsdsPlaces maps the place view onto HSDS for one request (#19): a place of several
// providers is one location (hsds.PlaceLocation, named by the place's ID so it keeps its ID
// across snapshots), and each provider's service keeps its own organisation and its own
// service_at_location, which points at it. Sites in no place keep their own location;
// confidential ones always do (they are never in a place, and are not looked up).
type hsdsPlaces struct {
	ix     *geo.Index
	places *place.Places             // nil: none made, every site at its own location
	locs   map[string]*hsds.Location // by place ID, made once per request (nil: none)
}

// hsdsPlacesFor returns the places for an HSDS answer from ix: the place view's, waited for
// as /api/v1/places waits (an upload's linking, not a full match), or the last ones made when
// the decisions cannot be read.
func (s *Server) hsdsPlacesFor(ctx context.Context, ix *geo.Index) *hsdsPlaces {
	hp := &hsdsPlaces{ix: ix}
	sn, err := s.places.current(ctx)
	if err != nil {
		sn = s.places.snap.Load()
	}
	if sn != nil && !sn.places.Empty() {
		hp.places = sn.places
	}
	return hp
}

// location returns the location of the place of several providers site is in, or nil when
// it is in none (then it has its own).
func (hp *hsdsPlaces) location(site *aidmap.Site) *hsds.Location {
	if hp == nil || hp.places == nil || site.Confidential {
		return nil
	}
	pid := hp.places.Of(site.ID)
	members := hp.places.Members(pid)
	if len(members) < 2 {
		return nil
	}
	if loc, ok := hp.locs[pid]; ok {
		return loc
	}
	// Members are in ascending ID order: the place's own site, whose ID is pid, first.
	sites := make([]*aidmap.Site, 0, len(members))
	for _, id := range members {
		if m, ok := hp.ix.Site(id); ok {
			sites = append(sites, m)
		}
	}
	loc := hsds.PlaceLocation(sites)
	if hp.locs == nil {
		hp.locs = map[string]*hsds.Location{}
	}
	hp.locs[pid] = loc
	return loc
}
