package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The visual test loads every page a person sees, in every language the map page ships and at
// a phone's, a tablet's and a desktop's size, and checks what a screenshot would show a person:
// nothing sticks out sideways (a right-to-left page that is wider than the window opens
// scrolled, shifted or blank: issue 21), the parts a person needs first are on screen and not
// covered, and the map is drawn. It saves a screenshot of each for a person to look at, in
// $AIDMAP_SCREENSHOT_DIR, else -artifacts, else a temporary directory (the log says where).

// visualSize is a window the checks run at.
type visualSize struct {
	name          string
	width, height int64
	mobile        bool // a phone or tablet: mobile viewport and touch
}

var visualSizes = []visualSize{
	{"phone", 360, 740, true},
	{"tablet", 768, 1024, true},
	{"desktop", 1366, 768, false},
}

// pageLangs lists the languages the map page ships: one strings file each in web/static/i18n.
func pageLangs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "web", "static", "i18n", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, f := range files {
		langs = append(langs, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	if len(langs) < 2 {
		t.Fatalf("found languages %v in web/static/i18n, want one file per language of the page", langs)
	}
	return langs
}

// visualCase is p for one subtest: failures go to t, and the steps get a bound of their own
// (newPeople's bound is for one scenario; this test runs some seventy). The bound only stops a
// hung browser: no check depends on how long anything takes.
func visualCase(t *testing.T, p *people) *people {
	q := *p
	q.t = t
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 3*time.Minute)
	t.Cleanup(cancel)
	q.ctx = ctx
	return &q
}

// setSize emulates a window of sz; phones and tablets get a mobile viewport (the one a phone
// shrinks to fit a page wider than itself) and touch.
func (p *people) setSize(sz visualSize) {
	p.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if sz.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	p.do("set the window to "+sz.name, chromedp.EmulateViewport(sz.width, sz.height, opts...))
}

// setMedia emulates the media type ("print", or "" for the screen), always with reduced
// motion: the map jumps to a chosen site instead of flying, so what is checked is where it
// stops (and the test does not wait for an animation).
func (p *people) setMedia(media string) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Media:    media,
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		p.t.Fatalf("emulate media %q: %v", media, err)
	}
}

// shotPage saves a screenshot of the window as name.png in the artifacts directory, as
// p.shot does but for any page (p.shot waits for the map page's map).
func (p *people) shotPage(name string) {
	p.t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.artifacts, name+".png")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}

// screenBox is an element's bounding box in CSS pixels, relative to the viewport.
type screenBox struct{ Left, Right, Top, Bottom, Width, Height float64 }

func (b screenBox) String() string {
	return fmt.Sprintf("x %.0f..%.0f, y %.0f..%.0f", b.Left, b.Right, b.Top, b.Bottom)
}

// shownElement is where one element is, and whether a person can see it.
type shownElement struct {
	Sel   string
	Found bool
	Raw   screenBox // where it is as the page opens
	Shown screenBox // after scrolling it into view within its panel
	Hit   bool      // the point at its centre belongs to it (nothing covers it)
}

// pageLayout is what measureJS measures.
type pageLayout struct {
	Dir                     string
	InnerWidth, InnerHeight float64
	ScrollWidth             float64
	ScrollX, ScrollLeft     float64
	AfterScrollX, AfterLeft float64
	AfterScrollY            float64
	Elements                []shownElement
}

// measureJS measures the document's width and scroll position, then each selector's element:
// as it lies, then scrolled into view within its scrolling panel ('nearest', so the document
// itself moves only if something is wrong), with a hit test at its centre.
const measureJS = `((sels) => {
	const de = document.documentElement, se = document.scrollingElement || de;
	const box = (r) => ({ Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, Width: r.width, Height: r.height });
	const out = { Dir: getComputedStyle(de).direction, InnerWidth: innerWidth, InnerHeight: innerHeight,
		ScrollWidth: Math.max(de.scrollWidth, document.body.scrollWidth), ScrollX: scrollX, ScrollLeft: se.scrollLeft, Elements: [] };
	for (const sel of sels) {
		const e = document.querySelector(sel);
		if (!e) { out.Elements.push({ Sel: sel, Found: false }); continue; }
		const raw = box(e.getBoundingClientRect());
		e.scrollIntoView({ block: 'nearest', inline: 'nearest' });
		const r = e.getBoundingClientRect();
		const x = (Math.max(r.left, 0) + Math.min(r.right, innerWidth)) / 2;
		const y = (Math.max(r.top, 0) + Math.min(r.bottom, innerHeight)) / 2;
		const hit = document.elementFromPoint(x, y);
		out.Elements.push({ Sel: sel, Found: true, Raw: raw, Shown: box(r), Hit: Boolean(hit && e.contains(hit)) });
	}
	out.AfterScrollX = scrollX; out.AfterLeft = se.scrollLeft; out.AfterScrollY = scrollY;
	return out;
})`

// checkNoOverflow checks that nothing makes the document wider than the window and that the
// window is not scrolled sideways, before any element is measured.
func (p *people) checkNoOverflow(what string, sz visualSize) {
	p.t.Helper()
	var l pageLayout
	p.eval(measureJS+`([])`, &l)
	if l.InnerWidth != float64(sz.width) {
		p.t.Errorf("%s: got a layout viewport %.0f px wide, want %d: the page is wider than the window and a phone zooms out to fit it", what, l.InnerWidth, sz.width)
	}
	if l.ScrollWidth > l.InnerWidth || l.ScrollWidth > float64(sz.width) {
		// Name the culprits: elements outside 0..width in the document's coordinates, leaving
		// out those inside a box that clips or scrolls them (the chips row).
		var wide []string
		p.eval(fmt.Sprintf(`(() => {
			const clipped = (e) => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
			const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
			return [...document.querySelectorAll('body *')].map(e => [e, e.getBoundingClientRect()])
				.filter(([e, r]) => r.width > 0 && (r.left + scrollX < -1 || r.right + scrollX > %d + 1) && !clipped(e))
				.slice(0, 8).map(([e, r]) => name(e) + ' at x ' + Math.round(r.left + scrollX) + '..' + Math.round(r.right + scrollX));
		})()`, sz.width), &wide)
		p.t.Errorf("%s (dir %s): got document.documentElement.scrollWidth %.0f, want at most the window's %d; outside the window: %s",
			what, l.Dir, l.ScrollWidth, sz.width, strings.Join(wide, "; "))
	}
	if l.ScrollX != 0 || l.ScrollLeft != 0 {
		p.t.Errorf("%s (dir %s): got the window scrolled sideways (scrollX %.0f, scrollLeft %.0f), want 0", what, l.Dir, l.ScrollX, l.ScrollLeft)
	}
}

// checkShown checks that each selector's element is inside the window sideways as the page
// opens, and wholly inside it, uncovered, once scrolled into view within its panel.
// documentScrolls says whether the document itself may scroll down (the print view, /manage);
// the map page's document never scrolls: its panels do.
func (p *people) checkShown(what string, documentScrolls bool, sels ...string) {
	p.t.Helper()
	sj, _ := json.Marshal(sels)
	var l pageLayout
	p.eval(measureJS+`(`+string(sj)+`)`, &l)
	const slack = 0.5 // sub-pixel rounding
	for _, e := range l.Elements {
		if !e.Found {
			p.t.Errorf("%s: found no %s on the page", what, e.Sel)
			continue
		}
		if e.Raw.Width <= 0 || e.Raw.Height <= 0 {
			p.t.Errorf("%s: %s has no size (%s), want it shown", what, e.Sel, e.Raw)
			continue
		}
		if e.Raw.Left < -slack || e.Raw.Right > l.InnerWidth+slack {
			p.t.Errorf("%s (dir %s): %s is at %s, want it inside the window sideways (0..%.0f)", what, l.Dir, e.Sel, e.Raw, l.InnerWidth)
		}
		s := e.Shown
		if s.Left < -slack || s.Right > l.InnerWidth+slack || s.Top < -slack || (s.Bottom > l.InnerHeight+slack && s.Height <= l.InnerHeight) {
			p.t.Errorf("%s (dir %s): scrolled into view, %s is at %s, want it inside the %.0fx%.0f window", what, l.Dir, e.Sel, s, l.InnerWidth, l.InnerHeight)
		} else if !e.Hit {
			p.t.Errorf("%s: %s is covered by another element at its centre", what, e.Sel)
		}
	}
	if l.AfterScrollX != 0 || l.AfterLeft != 0 {
		p.t.Errorf("%s: bringing elements into view scrolled the window sideways (scrollX %.0f), want it never to", what, l.AfterScrollX)
	}
	if !documentScrolls && l.AfterScrollY != 0 {
		p.t.Errorf("%s: bringing elements into view scrolled the document down %.0f px, want only the panels to scroll", what, l.AfterScrollY)
	}
}

// waitMapIdle waits until the map (the JavaScript expression mapJS) has its style and tiles
// and is not moving. It reports false when the page shows no map (no WebGL).
func (p *people) waitMapIdle(mapJS string) bool {
	p.t.Helper()
	p.waitFor("the map is drawn or said to be unavailable", `document.querySelector('.no-map') !== null ||
		(() => { const m = `+mapJS+`; return Boolean(m && m.loaded() && m.areTilesLoaded() && !m.isMoving()); })()`)
	var noMap bool
	p.eval(`document.querySelector('.no-map') !== null`, &noMap)
	return !noMap
}

// checkMap checks that the map's canvas fills the map's box, lies inside the window and is not
// blank: a screenshot of it, with the controls and marks drawn over it hidden, has more than
// one colour. mapJS is the page's map object.
func (p *people) checkMap(what, mapJS string) {
	p.t.Helper()
	if !p.waitMapIdle(mapJS) {
		p.t.Errorf("%s: the page shows no map (%q), want the map drawn (WebGL through SwiftShader)", what, p.text("#notice"))
		return
	}
	var g struct {
		Canvas, Container screenBox
		DPR               float64
	}
	p.eval(`(() => { const m = `+mapJS+`, c = m.getCanvas(); c.scrollIntoView({ block: 'nearest', inline: 'nearest' });
		const b = (r) => ({ Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, Width: r.width, Height: r.height });
		const k = m.getContainer(), r = k.getBoundingClientRect(), x = r.left + k.clientLeft, y = r.top + k.clientTop;
		return { Canvas: b(c.getBoundingClientRect()), DPR: devicePixelRatio,
			Container: b({ left: x, right: x + k.clientWidth, top: y, bottom: y + k.clientHeight, width: k.clientWidth, height: k.clientHeight }) }; })()`, &g)
	var win struct{ W, H float64 }
	p.eval(`({ W: innerWidth, H: innerHeight })`, &win)
	c := g.Canvas
	if c.Width < 100 || c.Height < 100 {
		p.t.Errorf("%s: the map's canvas is %.0fx%.0f px, want a map people can use", what, c.Width, c.Height)
		return
	}
	if math.Abs(c.Left-g.Container.Left) > 1 || math.Abs(c.Right-g.Container.Right) > 1 ||
		math.Abs(c.Top-g.Container.Top) > 1 || math.Abs(c.Bottom-g.Container.Bottom) > 1 {
		p.t.Errorf("%s: the map's canvas is at %s, want it to fill its container (inside the border) at %s", what, c, g.Container)
	}
	if c.Left < -0.5 || c.Right > win.W+0.5 || c.Top < -0.5 || c.Bottom > win.H+0.5 {
		p.t.Errorf("%s: the map's canvas is at %s, want it inside the %.0fx%.0f window", what, c, win.W, win.H)
	}
	// Hide what is drawn over the canvas, so that only the map's own pixels are counted; wait
	// for frames until they show more than one colour (the last tiles may still be painting).
	const overlays = `document.querySelectorAll('.maplibregl-control-container, .crosshair, .notice, .empty, .maplibregl-marker, .maplibregl-popup')`
	p.run(overlays + `.forEach(e => e.style.visibility = 'hidden')`)
	defer p.run(overlays + `.forEach(e => e.style.visibility = '')`)
	var colours int
	var top float64
	for range 20 {
		b, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			p.t.Fatalf("%s: screenshot: %v", what, err)
		}
		if colours, top, err = pngColours(b, c, g.DPR); err != nil {
			p.t.Errorf("%s: %v", what, err)
			return
		}
		if colours > 1 {
			break
		}
		var ok bool
		p.eval(`new Promise(r => { const m = `+mapJS+`; m.triggerRepaint(); requestAnimationFrame(() => requestAnimationFrame(() => r(true))); })`, &ok)
	}
	if colours <= 1 {
		p.t.Errorf("%s: the map's canvas at %s is blank (one colour), want the map drawn", what, c)
	}
	p.t.Logf("%s: the map shows %d colours, the commonest on %.1f%% of it", what, colours, 100*top)
}

// pngColours counts the colours of a PNG screenshot inside the box r (CSS pixels, scaled by
// dpr), and the share of the commonest.
func pngColours(b []byte, r screenBox, dpr float64) (int, float64, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, 0, fmt.Errorf("decode screenshot: %w", err)
	}
	area := image.Rect(int(math.Ceil(r.Left*dpr)), int(math.Ceil(r.Top*dpr)), int(r.Right*dpr), int(r.Bottom*dpr)).Intersect(img.Bounds())
	if area.Empty() {
		return 0, 0, fmt.Errorf("the map's box %s is outside the screenshot %v", r, img.Bounds())
	}
	counts := map[[4]uint32]int{}
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			counts[[4]uint32{r, g, b, a}]++
		}
	}
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	return len(counts), float64(most) / float64(area.Dx()*area.Dy()), nil
}

// text is an element's text, or "" when it is missing or hidden.
func (p *people) text(sel string) string {
	p.t.Helper()
	var s string
	p.eval(`(() => { const e = document.querySelector(`+jsString(sel)+`); return e && !e.hidden ? e.textContent : ''; })()`, &s)
	return s
}

// openMapPage loads the map page in lang and waits until its list is there in that language.
func (p *people) openMapPage(lang string, ui map[string]string) {
	p.t.Helper()
	p.open("/?lang=" + lang)
	p.waitFor("the page is in "+lang, `document.getElementById('lang').value === `+jsString(lang)+` &&
		[`+jsString(ui["list.heading"])+`, `+jsString(ui["list.headingNoMap"])+`].includes(document.getElementById('list-heading').textContent)`)
}

// TestVisual: every language of the map page at every size, its details and print views,
// offline, and /manage: nothing wider than the window, the header, search, list and map on
// screen, the map drawn; a screenshot of each for a person to look at.
func TestVisual(t *testing.T) {
	langs := pageLangs(t)
	dir := t.TempDir()
	target, err := url.Parse(startServer(t, "--data-dir", dir))
	if err != nil {
		t.Fatal(err)
	}
	// A token for the demo organisation, for /manage once signed in.
	out, errs, code := aidmapCmd(t, "token", "create", "--org", "demo", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("token create: %s", errs)
	}
	token := strings.TrimSpace(out)
	// The browser reaches the server through a proxy that can drop every connection, for the
	// offline view (as in TestPeopleOffline).
	proxy, down := offlineProxy(t, target)

	p := newPeople(t, peopleOpts{base: proxy.URL, width: 1366, height: 1024})
	p.artifacts = os.Getenv("AIDMAP_SCREENSHOT_DIR")
	if p.artifacts == "" {
		p.artifacts = *artifactsDir
	}
	if p.artifacts == "" {
		p.artifacts = t.TempDir()
	}
	p.artifacts = filepath.Join(p.artifacts, "visual")
	if err := os.MkdirAll(p.artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s (set AIDMAP_SCREENSHOT_DIR or -artifacts to keep them)", p.artifacts)

	for _, sz := range visualSizes {
		t.Run(sz.name, func(t *testing.T) {
			for _, lang := range langs {
				t.Run(lang, func(t *testing.T) {
					q := visualCase(t, p)
					q.setSize(sz)
					q.setMedia("")
					ui := uiStrings(t, lang)
					name := lang + "-" + sz.name
					q.openMapPage(lang, ui)

					what := "map page " + name
					q.waitMapIdle("aidmap.map")
					q.shot("map-" + name)
					q.checkNoOverflow(what, sz)
					q.checkMap(what, "aidmap.map")
					q.checkShown(what, false, "body > header", "#q", "#list-heading", "#list button[data-id]")

					// Print, from the list: the list alone, full width.
					q.setMedia("print")
					what = "print view " + name
					q.run(`document.querySelector('.side').scrollTop = 0`)
					q.shot("print-" + name)
					q.checkNoOverflow(what, sz)
					q.checkShown(what, true, "#list-heading", "#print-date", "#list button[data-id]")
					q.setMedia("")
					q.run(`scrollTo(0, 0)`)

					// Details of the nearest site.
					q.run(`document.querySelector('#list button[data-id]').click()`)
					q.waitFor("the details are shown", `!document.getElementById('details').hidden && document.getElementById('d-name').textContent !== ''`)
					what = "details " + name
					q.waitMapIdle("aidmap.map")
					q.shot("details-" + name)
					q.checkNoOverflow(what, sz)
					q.checkMap(what, "aidmap.map")
					q.checkShown(what, false, "body > header", "#d-close", "#d-name", "#d-facts dt")
				})
			}
		})
	}

	t.Run("manage", func(t *testing.T) {
		for _, sz := range visualSizes {
			t.Run(sz.name, func(t *testing.T) {
				q := visualCase(t, p)
				q.setSize(sz)
				q.setMedia("")
				q.do("load /manage", chromedp.Navigate(q.base+"/manage"))
				q.waitFor("the sign-in form is shown", `!document.getElementById('signin').hidden && document.getElementById('org') !== null`)
				for _, dir := range []string{"ltr", "rtl"} {
					// /manage is in English only for now; its layout must hold when it is not.
					q.run(`document.documentElement.dir = ` + jsString(dir))
					what := "/manage sign-in " + dir + " " + sz.name
					q.shotPage("manage-signin-" + dir + "-" + sz.name)
					q.checkNoOverflow(what, sz)
					q.checkShown(what, true, "header.top", "#org", "#token", "#signin-form button[type=submit]")
					q.run(`scrollTo(0, 0)`)
				}
				q.run(`document.documentElement.dir = 'ltr'`)
				q.run(`document.getElementById('org').value = 'demo'; document.getElementById('token').value = ` + jsString(token) + `;
					document.getElementById('signin-form').requestSubmit()`)
				q.waitFor("the organisation's sites are listed", `document.querySelectorAll('#site-list button[data-id]').length > 0`)
				what := "/manage signed in " + sz.name
				q.checkNoOverflow(what, sz)
				q.checkShown(what, true, "header.top", "#upload-heading", "#file", "#sites-heading", "#site-list button[data-id]")
				q.checkMap(what, "aidmapManage.map") // scrolls the map into view
				q.shotPage("manage-sites-" + sz.name)
				q.run(`scrollTo(0, 0); document.getElementById('sign-out').click()`)
				q.waitFor("signed out", `!document.getElementById('signin').hidden`)
			})
		}
	})

	// Offline, at a phone's size: the page from the service worker's caches, saying so.
	t.Run("offline", func(t *testing.T) {
		q := visualCase(t, p)
		q.setSize(visualSizes[0])
		q.setMedia("")
		q.open("/")
		q.waitFor("the service worker controls the page", `navigator.serviceWorker.controller !== null`)
		q.waitAsync("the last list and the tiles seen are saved", `caches.match('/__aidmap/last-list').then(r => Boolean(r))
			.then(ok => ok && caches.open('aidmap-tiles-v1').then(c => c.keys()).then(k => k.some(r => r.url.includes('/tiles/sites/'))))`)
		down.Store(true)
		q.setOffline(true)
		t.Cleanup(func() { down.Store(false) })
		defer q.setOffline(false)
		for _, lang := range langs {
			t.Run(lang, func(t *testing.T) {
				q := visualCase(t, p)
				ui := uiStrings(t, lang)
				q.openMapPage(lang, ui)
				prefix, _, _ := strings.Cut(ui["offline.saved"], "{")
				q.waitFor("the page says the data is saved", `!document.getElementById('offline').hidden &&
					document.getElementById('offline').textContent.startsWith(`+jsString(prefix)+`)`)
				what := "offline " + lang
				q.waitMapIdle("aidmap.map")
				q.shot("offline-" + lang + "-" + visualSizes[0].name)
				q.checkNoOverflow(what, visualSizes[0])
				q.checkMap(what, "aidmap.map")
				q.checkShown(what, false, "body > header", "#offline", "#q", "#list-heading", "#list button[data-id]")
			})
		}
	})

	shots, _ := filepath.Glob(filepath.Join(p.artifacts, "*.png"))
	t.Logf("%d screenshots in %s", len(shots), p.artifacts)
}
