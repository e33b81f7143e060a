package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserFlags run Chromium headless as root in a container, with WebGL drawn in software:
// Chromium 139 and later falls back to SwiftShader only with --enable-unsafe-swiftshader,
// and MapLibre needs WebGL. host-resolver-rules makes any request to another host fail at
// once, so a regression can't reach the internet (or hang the test); the request is still
// seen and reported below.
func browserFlags(width, height int) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
	)
}

// pageLog records what the page asked the network for, the uncaught exceptions it threw, and
// the Content-Security-Policy violations the browser blocked (an off-host request the CSP
// stops never reaches the network log, but it shows up there).
type pageLog struct {
	mu         sync.Mutex
	requests   []string
	exceptions []string
	violations []string
}

func (l *pageLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.requests = append(l.requests, ev.Request.URL)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Source == cdplog.EntrySourceSecurity {
			l.violations = append(l.violations, ev.Entry.Text)
		}
	case *runtime.EventExceptionThrown:
		msg := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil && ev.ExceptionDetails.Exception.Description != "" {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
		l.exceptions = append(l.exceptions, msg)
	}
}

func (l *pageLog) snapshot() (requests, exceptions, violations []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.requests), slices.Clone(l.exceptions), slices.Clone(l.violations)
}

// TestBrowserMapPage drives the map page in headless Chromium against a real server with the
// demo data: banner, list order, details, category filter, shared URL, desktop layout, and
// that nothing is loaded from another host.
func TestBrowserMapPage(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no browser at %s (apt-get install chromium); CI requires it", chromiumPath)
		}
		t.Fatalf("CI is set but the browser is missing: %v", err)
	}
	base := startServer(t)

	actx, cancel := chromedp.NewExecAllocator(context.Background(), browserFlags(390, 844)...)
	defer cancel()
	var log pageLog
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(log.listen))
	defer cancel()
	// Start the browser without a deadline (a deadline on the first call would bind the
	// browser's life to it), then bound the whole scenario.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel = context.WithTimeout(ctx, 45*time.Second)
	defer cancel()

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// waitFor polls a JavaScript expression until it is truthy.
	waitFor := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("waiting until %s: %v", what, err)
		}
	}
	eval := func(expr string, v any) {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("evaluate %s: decode %s: %v", expr, raw, err)
		}
	}

	do("load the page", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/"))
	waitFor("the list has sites", `document.querySelectorAll('#list button[data-id]').length > 0`)

	t.Run("demo banner", func(t *testing.T) {
		var banner struct {
			Visible bool
			Text    string
		}
		eval(`(() => { const b = document.getElementById('demo-banner');
			return { Visible: !b.hidden && b.offsetHeight > 0, Text: b.textContent }; })()`, &banner)
		if !banner.Visible || !strings.Contains(banner.Text, "Demo data") {
			t.Errorf("got banner visible=%v text %q, want a visible demo banner", banner.Visible, banner.Text)
		}
	})

	t.Run("list sorted by distance", func(t *testing.T) {
		var dists []float64
		// Confidential sites' distances are coarse bands (data-band), out of order by design.
		eval(`[...document.querySelectorAll('#list button[data-id]:not([data-band])')].map(b => parseFloat(b.dataset.distance))`, &dists)
		if len(dists) == 0 {
			t.Fatal("got an empty list, want demo sites")
		}
		if !slices.IsSorted(dists) {
			t.Errorf("got distances %v, want ascending", dists)
		}
		var status string
		eval(`document.getElementById('list-status').textContent`, &status)
		if !strings.Contains(status, "near the map centre") {
			t.Errorf("got live region %q, want it to say how many sites are near the map centre", status)
		}
	})

	// Open the first site from the list.
	var first struct{ ID, Name string }
	eval(`(() => { const b = document.querySelector('#list button[data-id]');
		return { ID: b.dataset.id, Name: b.querySelector('.name').textContent }; })()`, &first)
	do("click the first list item", chromedp.Click(chromedp.CSS(`#list button[data-id]`)))
	nameJS, _ := json.Marshal(first.Name)
	waitFor("the details panel shows the clicked site",
		`!document.getElementById('details').hidden && document.getElementById('d-name').textContent === `+string(nameJS))

	t.Run("details", func(t *testing.T) {
		var d struct {
			Tel     string
			Focused string
		}
		eval(`({ Tel: (document.querySelector('#d-facts a[href^="tel:"]') || {}).href || '',
			Focused: document.activeElement.id })`, &d)
		if d.Tel == "" {
			t.Errorf("got no tel: link in the details of %q, want one (demo sites have phones)", first.Name)
		}
		if d.Focused != "d-name" {
			t.Errorf("got focus on #%s, want the site name heading", d.Focused)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Query().Get("site"); got != first.ID {
			t.Errorf("got URL %s, want site=%s in it", loc, first.ID)
		}
	})

	do("close the details with Escape", chromedp.KeyEvent(kb.Escape))
	waitFor("Escape closes the details", `document.getElementById('details').hidden && !document.getElementById('list-view').hidden`)

	t.Run("category filter", func(t *testing.T) {
		// Filter by the last category of the last listed site: present, and rarely on all of them.
		var cat string
		eval(`[...document.querySelectorAll('#list button[data-id]')].at(-1).dataset.categories.split(' ').at(-1)`, &cat)
		catJS, _ := json.Marshal(cat)
		do("choose a category",
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#list button').forEach(b => b.dataset.stale = '1');
				document.querySelector('#chips input[name=category][value=' + CSS.escape(`+string(catJS)+`) + ']').click();`))
		waitFor("the list is reloaded for "+cat,
			`document.querySelectorAll('#list button[data-id]').length > 0 && !document.querySelector('#list button[data-stale]')`)
		var cats []string
		eval(`[...document.querySelectorAll('#list button[data-id]')].map(b => b.dataset.categories)`, &cats)
		for i, c := range cats {
			if !slices.Contains(strings.Fields(c), cat) {
				t.Errorf("item %d: got categories %q, want %s among them", i, c, cat)
			}
		}
		// The map asks for the same filter.
		waitFor("the map requests "+cat, `performance.getEntriesByType('resource').some(e =>
			e.name.includes('/tiles/sites.json?') && e.name.includes('category='+`+string(catJS)+`))`)
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.Contains(loc, "category="+cat) {
			t.Errorf("got URL %s, want category=%s in it", loc, cat)
		}
	})

	t.Run("desktop layout", func(t *testing.T) {
		do("widen the window", chromedp.EmulateViewport(1280, 800))
		waitFor("the list panel is left of the map", `(() => {
			const side = document.querySelector('.side').getBoundingClientRect();
			const map = document.getElementById('map').getBoundingClientRect();
			return side.width > 300 && side.width < 450 && map.left >= side.right - 1 && map.height > 500;
		})()`)
	})

	requests, exceptions, violations := log.snapshot()
	if len(requests) == 0 {
		t.Error("saw no network requests: the listener is not working")
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil {
			t.Errorf("unparsable request URL %q", r)
			continue
		}
		switch {
		case u.Scheme == "data" || u.Scheme == "blob":
		case u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1":
		default:
			t.Errorf("the page requested %s: it must load nothing from another host", r)
		}
	}
	for _, e := range exceptions {
		t.Errorf("uncaught exception in the page: %s", e)
	}
	for _, v := range violations {
		t.Errorf("the browser blocked something (a request to another host, an inline script or style?): %s", v)
	}
}
