package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/aidmap/aidmap"
)

// TestPeopleFreshness drives the public page and /manage against a real server with
// --stale-after 180d: a listing last verified in March 2026 shows "Not checked since March
// 2026" in English and in Arabic; a person reports a problem with a public site and with a
// confidential one (by its public ID) without an account, the answers say nothing more than the
// listing, and the organisation sees both in its inbox through the API (the confidential one
// under its stored site) and on /manage, with the note as text, never markup; it dismisses
// one and accepts the other, which opens the site's form with the suggestion (closed) to
// publish: the public listing and the history change.
func TestPeopleFreshness(t *testing.T) {
	_, base, token, call, eventually := orgServer(t, "--stale-after", "180d")

	csv := "id,name,lat,lon,category,phone,confidential\n" +
		"FB1,Food Bank A,49.2827,-123.1207,food bank,604-555-0101,no\n" +
		"FB2,Meal Hall,49.2600,-123.1000,free meal,,no\n" +
		"SH1,Harbour House,49.2700,-123.1100,shelter,604-555-0199,yes\n"
	uploadSites(t, call, eventually, csv)
	fb1, fb2, sh1 := aidmap.SiteID("fbs", "FB1"), aidmap.SiteID("fbs", "FB2"), aidmap.SiteID("fbs", "SH1")
	// FB2 was last checked in March 2026: long enough ago to be stale.
	if code, b := call("PATCH", "/api/v1/orgs/fbs/sites/"+fb2, []byte(`{"verified_at":"2026-03-05T10:00:00Z"}`)); code != 200 {
		t.Fatalf("date FB2's verification: %d %s", code, b)
	}
	var stale struct {
		Stale     bool   `json:"stale"`
		CheckedAt string `json:"checked_at"`
	}
	eventually("FB2 published as stale", func() bool {
		code, b := call("GET", "/api/v1/sites/"+fb2, nil)
		return code == 200 && json.Unmarshal(b, &stale) == nil && stale.Stale
	})
	if stale.CheckedAt != "2026-03-05T10:00:00Z" {
		t.Errorf("FB2 checked_at %q, want 2026-03-05T10:00:00Z", stale.CheckedAt)
	}
	if _, b := call("GET", "/api/v1/sites/"+fb1, nil); strings.Contains(string(b), `"stale"`) {
		t.Errorf("FB1, uploaded today, is marked stale: %s", b)
	}
	// The confidential site's public ID, as the public API gives it.
	var shPublic string
	eventually("the confidential site is published", func() bool {
		_, b := call("GET", "/api/v1/sites?bbox=-123.2,49.2,-123.0,49.3", nil)
		var list struct {
			Sites []struct {
				ID           string `json:"id"`
				Confidential bool   `json:"confidential"`
			} `json:"sites"`
		}
		json.Unmarshal(b, &list)
		for _, s := range list.Sites {
			if s.Confidential {
				shPublic = s.ID
			}
		}
		return shPublic != ""
	})
	if shPublic == sh1 {
		t.Fatal("the confidential site is published under its stored ID")
	}

	p := newPeople(t, peopleOpts{base: base, width: 1100, height: 900})
	for _, tc := range []struct{ lang, want string }{
		{"en", "Not checked since March 2026"},
		{"ar", ""}, // the Arabic template around the month the browser names
	} {
		p.do("open FB2 in "+tc.lang, chromedp.Navigate(base+"/?lang="+tc.lang+"&site="+url.QueryEscape(fb2)))
		p.waitFor("FB2's details", `!document.getElementById('details').hidden && document.getElementById('d-name').textContent === 'Meal Hall'`)
		p.waitFor("the stale badge", `!document.getElementById('d-stale').hidden`)
		var badge string
		p.eval(`document.getElementById('d-stale').textContent`, &badge)
		want := tc.want
		if want == "" {
			var month string
			p.eval(`new Intl.DateTimeFormat(document.documentElement.lang || 'ar', {month: 'long', year: 'numeric'}).format(new Date('2026-03-05T10:00:00Z'))`, &month)
			want = strings.Replace(uiStrings(t, tc.lang)["list.stale"], "{date}", month, 1)
			if !strings.Contains(badge, "مارس") && !strings.Contains(badge, "آذار") {
				t.Errorf("Arabic badge %q does not name March", badge)
			}
		}
		if badge != want {
			t.Errorf("%s badge: %q, want %q", tc.lang, badge, want)
		}
		var dir string
		p.eval(`document.documentElement.dir`, &dir)
		if tc.lang == "ar" && dir != "rtl" {
			t.Errorf("Arabic page dir %q, want rtl", dir)
		}
		p.shot("stale-badge-" + tc.lang)
	}

	// A person reports problems, with no account.
	en := uiStrings(t, "en")
	note := `<script>document.title="owned"</script><a href="https://spam.example">cheap</a> closed since Monday`
	report := func(id, kindID, text string) {
		t.Helper()
		p.do("open the site", chromedp.Navigate(base+"/?site="+url.QueryEscape(id)))
		p.waitFor("the details", `!document.getElementById('details').hidden`)
		var privacy string
		p.eval(`document.getElementById('report-privacy').textContent`, &privacy)
		if privacy != en["details.reportPrivacy"] {
			t.Errorf("the form's privacy note: %q", privacy)
		}
		p.do("open the form", chromedp.Click(chromedp.CSS(`#d-report summary`)))
		p.do("choose what is wrong", chromedp.Click(chromedp.CSS(`#`+kindID)))
		if text != "" {
			p.do("type a note", chromedp.SendKeys(chromedp.CSS(`#report-note`), text))
		}
		p.do("send", chromedp.Click(chromedp.CSS(`#report-send`)))
		p.waitFor("the thanks", `document.getElementById('report-status').textContent === `+jsString(en["details.reportSent"]))
	}
	report(fb1, "rk-closed", note)
	report(shPublic, "rk-phone", "")
	// The page solved the server's proof of work (serve's default --report-pow-bits) for each:
	// a report without one is refused.
	if code, b := call("POST", "/api/v1/sites/"+fb1+"/reports", []byte(`{"kind":"other"}`)); code != 400 || !strings.Contains(string(b), `"name":"pow"`) {
		t.Errorf("a report without a proof of work: %d %s, want 400 naming pow", code, b)
	}

	// The organisation's inbox, through the API: both reports, grouped by site, exactly.
	var inbox struct {
		Count int
		Sites []struct {
			SiteID  string `json:"site_id"`
			Name    string
			Reports []struct{ ID, Kind, Note, Status string }
		}
	}
	code, b := call("GET", "/api/v1/orgs/fbs/reports", nil)
	if code != 200 || json.Unmarshal(b, &inbox) != nil || inbox.Count != 2 || len(inbox.Sites) != 2 {
		t.Fatalf("inbox: %d %s", code, b)
	}
	got := map[string]string{}
	for _, g := range inbox.Sites {
		for _, r := range g.Reports {
			got[g.SiteID+" "+g.Name+" "+r.Kind] = r.Note
		}
	}
	if n, ok := got[fb1+" Food Bank A closed"]; !ok || n != note {
		t.Errorf("inbox: %v, want FB1 closed with the note as typed", got)
	}
	if _, ok := got[sh1+" Harbour House wrong_phone"]; !ok {
		t.Errorf("inbox: %v, want the confidential site's report under its stored site", got)
	}

	// On /manage the note is text: no element of it, no link, and the page title unchanged.
	p.signIn(base, token)
	p.waitFor("the inbox", `document.querySelectorAll('#inbox-list .report').length === 2`)
	var shown struct {
		Note    string
		Markup  int
		Title   string
		Heading string
	}
	p.eval(`({note: document.querySelector('#inbox-list .note').textContent,
		markup: document.querySelectorAll('#inbox-list script, #inbox-list a').length,
		title: document.title, heading: [...document.querySelectorAll('#inbox-list h3')].map(h => h.textContent).sort().join('|')})`, &shown)
	if shown.Note != note || shown.Markup != 0 || shown.Title == "owned" || shown.Heading != "Food Bank A|Harbour House" {
		t.Errorf("/manage inbox: %+v", shown)
	}
	// The feed-quality card: two of three sites have a phone, two reports are open.
	p.waitFor("the scorecard", `(document.querySelector('#score-table tr[data-key=phone] td:last-child') || {}).textContent === '2 of 3' &&
		document.querySelector('#score-table tr[data-key=open_reports] td').textContent === '2'`)
	p.do("dismiss one", chromedp.Click(chromedp.CSS(`#inbox-list .report button[data-action=dismiss]`)))
	p.waitFor("one report left", `document.querySelectorAll('#inbox-list .report').length === 1`)

	// Accept the "closed" report: the site's form opens with the status set to closed; publish,
	// and the public listing and the history say so.
	p.waitFor("the sites are listed", `document.querySelectorAll('#site-list button[data-id]').length === 3`)
	p.do("accept", chromedp.Click(chromedp.CSS(`#inbox-list .report button[data-action=accept]`)))
	p.waitFor("the site's form with the suggestion", `!document.getElementById('site-form').hidden &&
		document.getElementById('f-name').value === 'Food Bank A' && document.getElementById('f-status').value === 'closed'`)
	p.do("publish", chromedp.Click(chromedp.CSS(`#publish`)))
	eventually("FB1 published as closed", func() bool {
		code, b := call("GET", "/api/v1/sites/"+fb1, nil)
		return code == 200 && strings.Contains(string(b), `"status":"closed"`)
	})
	code, b = call("GET", "/api/v1/orgs/fbs/history?site="+fb1, nil)
	if code != 200 || !strings.Contains(string(b), `"status":"closed"`) {
		t.Errorf("history of FB1: %d %.500s", code, b)
	}
	if _, in := call("GET", "/api/v1/orgs/fbs/reports", nil); !strings.Contains(string(in), `"count":0`) {
		t.Errorf("open reports after handling both: %s", in)
	}

	// What the proof of work costs a slow phone: the page's solver with the CPU slowed 4×,
	// logged (never asserted: the machine's load decides it). BENCHMARKS.md has the numbers.
	if _, err := chromedp.Call(p.ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 4}); err != nil {
		t.Fatalf("throttle the CPU: %v", err)
	}
	var cost struct{ Hashes, Ms float64 }
	p.eval(`(async () => {
		const { solve } = await import('/static/pow.js');
		let hashes = 0, ms = 0;
		for (let i = 0; i < 4; i++) {
			const c = ('measure' + i + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ').slice(0, 32), t0 = performance.now();
			hashes += Number(await solve(c, 16)) + 1;
			ms += performance.now() - t0;
		}
		return { hashes, ms };
	})()`, &cost)
	chromedp.Call(p.ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 1})
	if cost.Ms > 0 {
		rate := cost.Hashes / cost.Ms * 1000
		t.Logf("proof of work at 4x CPU throttle: %.0f hashes in %.0f ms = %.0f hashes/s; 16 bits (65,536 hashes on average) take %.2f s",
			cost.Hashes, cost.Ms, rate, 65536/rate)
	}
}
