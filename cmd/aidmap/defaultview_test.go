package main

import (
	"net/url"
	"testing"
)

// TestPeopleDefaultView: a deployment's --default-view is where the page opens when its link
// names no place, and the list is measured from there.
func TestPeopleDefaultView(t *testing.T) {
	base := startServer(t, "--default-view", "49.1913,-122.8490,13") // Surrey
	p := newPeople(t, peopleOpts{base: base})
	p.open("/")
	p.waitFor("the list has sites", `document.querySelectorAll('#list button[data-id]').length > 0`)
	u, err := url.Parse(p.lastListRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !near(u.Query(), 49.1913, -122.8490) {
		t.Errorf("the list was asked for around %s,%s; want the default view 49.1913,-122.8490", u.Query().Get("lat"), u.Query().Get("lon"))
	}
	// A link that names a place still wins.
	p.open("/?lat=49.2827&lon=-123.1207&z=14")
	p.waitFor("the list is measured from the link's place", `performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/v1/sites/nearest?')).some(n => n.includes('lat=49.28'))`)
}
