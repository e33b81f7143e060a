package hsds

import "github.com/aidmap/aidmap"

// Places (#19). Records of several providers that describe one building are one place
// (package place, which hsds does not import: it is a layer above). In HSDS a place is one
// location, and each provider's service there keeps its own organisation and is linked to it
// by its own service_at_location. A site in no place of several keeps its own location.
//
// A place's ID is the smallest of its sites' IDs (place.Places.Of), and its location is
// that site's location: the same ID, point, address and name. So the location ID is stable
// across snapshots while the place holds that site, names no new object when two records are
// linked (the other site's service_at_location moves to it) and needs no table to find.
// Confidential sites are never in a place of several (a link would tell where they are):
// PlaceLocation refuses them, and callers then publish every site on its own (fail closed).

// PlaceLocation returns the location of a place of several sites, sites[0] being the site
// whose ID is the place's: its location, with organization_id only when one organisation has
// every site there (a location of several providers belongs to none of them), and every
// site's accessibility notes, each under its own ID. It is nil for fewer than two sites, or
// when any is confidential or not visible: then each site keeps its own location.
func PlaceLocation(sites []*aidmap.Site) *Location {
	if len(sites) < 2 {
		return nil
	}
	for _, s := range sites {
		if s == nil || s.Confidential || !s.Visible() {
			return nil
		}
	}
	loc := NewLocation(sites[0])
	for _, s := range sites[1:] {
		if s.OrganizationID != sites[0].OrganizationID {
			loc.OrganizationID = ""
		}
		if s.Accessibility != "" {
			loc.Accessibility = append(loc.Accessibility, Accessibility{ID: SiteObjectID(s.ID, KindAccessibility),
				LocationID: loc.ID, Description: s.Accessibility})
		}
	}
	return loc
}

// AtLocation links a site's service_at_location to loc, its place's location (nil: the
// site's own, unchanged).
func AtLocation(sal *ServiceAtLocation, loc *Location) {
	if loc == nil {
		return
	}
	sal.LocationID, sal.Location = loc.ID, loc
}

// AddPlace writes the sites of one place of several providers (sites[0] the site whose ID is
// the place's, see PlaceLocation) as one location, written once, and each site's service with
// its service_at_location at it; orgs gives each site's organisation by ID. Sites that cannot
// share a location (PlaceLocation is nil) are written each on its own, as AddSite does.
func (p *PackageWriter) AddPlace(sites []*aidmap.Site, orgs map[string]aidmap.Organization) {
	loc := PlaceLocation(sites)
	if loc == nil {
		for _, s := range sites {
			if s != nil {
				p.AddSite(s, orgs[s.OrganizationID])
			}
		}
		return
	}
	p.writeLocation(loc)
	for _, s := range sites {
		p.addSite(s, orgs[s.OrganizationID], loc)
	}
}
