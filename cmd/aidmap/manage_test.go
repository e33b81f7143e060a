package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aidmap/aidmap"
)

// TestManageSites drives /manage the way a data steward uses it: sign in with a token from
// `aidmap token create`, see the organisation's sites on the map and in the list with the
// approximate pin marked, move that pin with a click on the map, publish, and fix another site
// with the form's fields alone (no map); each fix reaches the public API.
// orgServer starts a server on a fresh store with the organisation fbs and an editor token of
// it (args are more serve flags). call sends a request, with the token on the organisation's
// API; eventually waits for a condition, as a hang guard only (2 minutes: under -race on a
// busy 2-core machine an upload can take well over 10 s to be published).
// uploadSites uploads csv as organisation fbs's sites.csv and waits until the upload is done.
func uploadSites(t *testing.T, call func(method, path string, body []byte) (int, []byte), eventually func(what string, ok func() bool), csv string) {
	t.Helper()
	code, b := call("POST", "/api/v1/orgs/fbs/uploads?name=sites.csv", []byte(csv))
	if code != 202 {
		t.Fatalf("upload: %d %s", code, b)
	}
	var up struct{ ID, Status string }
	_ = json.Unmarshal(b, &up)
	eventually("upload done", func() bool {
		_, b := call("GET", "/api/v1/orgs/fbs/uploads/"+up.ID, nil)
		return json.Unmarshal(b, &up) == nil && up.Status == "done"
	})
}

func orgServer(t *testing.T, args ...string) (dir, base, token string, call func(method, path string, body []byte) (int, []byte), eventually func(what string, ok func() bool)) {
	t.Helper()
	dir, token = orgDir(t)
	base, call, eventually = serveOrg(t, dir, token, args...)
	return dir, base, token, call, eventually
}

// orgDir makes orgServer's data directory, the organisation fbs and an editor token of it,
// without starting the server: a test may put things in the store first.
func orgDir(t *testing.T) (dir, token string) {
	t.Helper()
	dir = t.TempDir()
	if _, errs, code := aidmapCmd(t, "org", "create", "--slug", "fbs", "--name", "Food Bank Society", "--data-dir", dir); code != 0 {
		t.Fatalf("org create: %s", errs)
	}
	out, errs, code := aidmapCmd(t, "token", "create", "--org", "fbs", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("token create: %s", errs)
	}
	return dir, strings.TrimSpace(out)
}

// serveOrg is orgServer's server on a directory orgDir made.
func serveOrg(t *testing.T, dir, token string, args ...string) (base string, call func(method, path string, body []byte) (int, []byte), eventually func(what string, ok func() bool)) {
	t.Helper()
	base = startServer(t, append([]string{"--demo=false", "--sync-interval", "50ms", "--data-dir", dir}, args...)...)
	call = func(method, path string, body []byte) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(path, "/api/v1/orgs/") {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	eventually = func(what string, ok func() bool) {
		t.Helper()
		for range 4800 {
			if ok() {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("%s: not after 2 minutes", what)
	}
	return base, call, eventually
}

func TestManageSites(t *testing.T) {
	_, base, token, call, eventually := orgServer(t)
	publicSite := func(id string) (s apiSite) {
		t.Helper()
		code, b := call("GET", "/api/v1/sites/"+id, nil)
		if code != 200 {
			return apiSite{}
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("GET /api/v1/sites/%s: %s: %v", id, b, err)
		}
		return s
	}

	csv := "id,name,lat,lon,category,phone\n" +
		"FB1,Food Bank <b>A</b>,49.2827,-123.1207,food bank,604-555-0101\n" +
		"FB2,Meal Hall,49.2600,-123.1000,free meal,\n"
	uploadSites(t, call, eventually, csv)
	fb1, fb2 := aidmap.SiteID("fbs", "FB1"), aidmap.SiteID("fbs", "FB2")
	// FB2's pin is only the postal code's centre, as a geocoder would leave it.
	if code, b := call("PATCH", "/api/v1/orgs/fbs/sites/"+fb2, []byte(`{"precision":"postal_code"}`)); code != 200 {
		t.Fatalf("make FB2 approximate: %d %s", code, b)
	}

	p := newPeople(t, peopleOpts{base: base, width: 1100, height: 900})
	p.signIn(base, token)
	p.waitFor("the sites are listed", `document.querySelectorAll('#site-list button[data-id]').length === 2`)

	// The list marks the approximate pin (and shows names as text, never as markup).
	var marked map[string]bool
	p.eval(`Object.fromEntries([...document.querySelectorAll('#site-list button[data-id]')].map(b => [b.dataset.id, Boolean(b.querySelector('.approx-tag'))]))`, &marked)
	if !marked[fb2] || marked[fb1] || len(marked) != 2 {
		t.Fatalf("approximate marks in the list: %v, want only FB2 (%s)", marked, fb2)
	}
	var name string
	p.eval(`document.querySelector('#site-list button[data-id="`+fb1+`"]').textContent`, &name)
	if name != "Food Bank <b>A</b>" {
		t.Errorf("FB1 listed as %q", name)
	}

	// The map draws the approximate pin hollow (its own layer).
	p.waitFor("the map is drawn", `Boolean(aidmapManage.map && aidmapManage.map.loaded())`)
	p.waitFor("the approximate pin is on the map", `aidmapManage.map.queryRenderedFeatures({layers: ['org-sites-approx']}).some(f => f.properties.id === `+jsString(fb2)+`) &&
		aidmapManage.map.queryRenderedFeatures({layers: ['org-sites-exact']}).some(f => f.properties.id === `+jsString(fb1)+`)`)

	// Choose FB2, press "Move pin" and click the map where the site really is.
	p.do("choose FB2", chromedp.Click(chromedp.CSS(`#site-list button[data-id="`+fb2+`"]`)))
	p.waitFor("the form shows FB2", `!document.getElementById('site-form').hidden && document.getElementById('f-name').value === 'Meal Hall'`)
	p.waitFor("the map is on FB2", `!aidmapManage.map.isMoving() && aidmapManage.map.getZoom() >= 14`)
	p.do("press Move pin", chromedp.Click(chromedp.CSS("#move-pin")))
	wantLat, wantLon := 49.2615, -123.0980
	var px struct{ X, Y float64 }
	p.eval(fmt.Sprintf(`(() => {
		document.getElementById('map').scrollIntoView({block: 'center'});
		const r = document.getElementById('map').getBoundingClientRect();
		const pt = aidmapManage.map.project([%g, %g]);
		return {x: r.left + pt.x, y: r.top + pt.y};
	})()`, wantLon, wantLat), &px)
	p.do("click the map at the site", chromedp.MouseClickXY(px.X, px.Y))
	p.waitFor("the pin moved", `document.getElementById('f-lat').value !== '49.26'`)
	var got struct{ Lat, Lon string }
	p.eval(`({lat: document.getElementById('f-lat').value, lon: document.getElementById('f-lon').value})`, &got)
	var lat, lon float64
	fmt.Sscan(got.Lat, &lat)
	fmt.Sscan(got.Lon, &lon)
	// A click lands on a whole pixel: at zoom 14 one is under 10 m.
	if math.Abs(lat-wantLat) > 2e-4 || math.Abs(lon-wantLon) > 2e-4 {
		t.Fatalf("pin placed at %s,%s, want near %g,%g", got.Lat, got.Lon, wantLat, wantLon)
	}
	p.do("publish", chromedp.Click(chromedp.CSS("#publish")))
	p.waitFor("published", `document.getElementById('site-result').textContent.startsWith('Published')`)
	eventually("FB2 moved in the public API", func() bool {
		s := publicSite(fb2)
		return math.Abs(s.Lat-lat) < 1e-6 && math.Abs(s.Lon-lon) < 1e-6 && !s.Approximate
	})
	p.waitFor("FB2 is no longer marked approximate", `document.getElementById('sites-status').textContent === '2 sites.' && !document.querySelector('#site-list button[data-id="`+fb2+`"] .approx-tag')`)

	// FB1 with the keyboard and the form alone: new phone, hours, status and coordinates.
	p.do("choose FB1", chromedp.Click(chromedp.CSS(`#site-list button[data-id="`+fb1+`"]`)))
	p.waitFor("the form shows FB1", `document.getElementById('f-name').value === 'Food Bank <b>A</b>'`)
	p.run(`for (const id of ['f-phone', 'f-lat', 'f-lon']) document.getElementById(id).value = ''`)
	p.do("edit FB1's fields",
		chromedp.SendKeys(chromedp.CSS("#f-phone"), "604-555-0199"),
		chromedp.SendKeys(chromedp.CSS("#f-hours"), "Closed today for stocktaking"),
		// A select takes the first letter typed: "T"emporarily closed.
		chromedp.SendKeys(chromedp.CSS("#f-status"), "T"),
		chromedp.SendKeys(chromedp.CSS("#f-lat"), "49.2830"),
		chromedp.SendKeys(chromedp.CSS("#f-lon"), "-123.1210\r"))
	p.waitFor("published", `document.getElementById('site-result').textContent.startsWith('Published')`)
	eventually("FB1 fixed in the public API", func() bool {
		s := publicSite(fb1)
		return s.Lat == 49.283 && s.Lon == -123.121 && s.Phone == "604-555-0199" &&
			s.Status == "temporarily_closed" && s.Hours.Notes == "Closed today for stocktaking"
	})

	// Both fixes are in the organisation's history, so they can be rolled back.
	_, b := call("GET", "/api/v1/orgs/fbs/uploads", nil)
	var ups struct{ Uploads []struct{ Mode string } }
	_ = json.Unmarshal(b, &ups)
	edits := 0
	for _, u := range ups.Uploads {
		if u.Mode == "edit" {
			edits++
		}
	}
	if edits != 3 { // the setup's PATCH and the two fixes
		t.Errorf("%d edits among the uploads (%s), want 3", edits, b)
	}
	p.run(`document.getElementById('sites-heading').scrollIntoView()`)
	p.waitFor("the map settles for the screenshot", `aidmapManage.map.loaded() && !aidmapManage.map.isMoving()`)
	shot, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(p.artifacts, "manage-after-fixes.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
