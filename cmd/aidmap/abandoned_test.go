package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
)

// TestManageAbandonedUploads drives what a data steward does with uploads a dead server left
// behind, and with a replace that would empty the map, on /manage against a real server:
//   - two uploads were running on a server that died (records running, heartbeat two hours
//     old, their files queued in the store); the next server marks them abandoned at start;
//     a third was abandoned three days ago and --upload-file-ttl 2d deletes its file;
//   - /manage lists each with its reason, Retry and Dismiss (the expired one only Dismiss and
//     the date); Dismiss ends one, Retry runs the other to done and its sites appear;
//   - the API answers a retry of the expired one 410 saying when;
//   - a replace that keeps 1 of the 4 sites shows, checked first, that it takes 3 of 4 off the
//     map, is not sent unconfirmed, and publishes once the box is ticked.
func TestManageAbandonedUploads(t *testing.T) {
	dir, token := orgDir(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	toks, err := st.Tokens(ctx, "fbs")
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens: %v %v", toks, err)
	}
	now := time.Now().UTC()
	sites := "id,name,lat,lon,category\n" +
		"FB1,Food Bank One,49.2827,-123.1207,food bank\n" +
		"FB2,Meal Hall,49.2600,-123.1000,free meal\n" +
		"FB3,Corner Pantry,49.2700,-123.1100,food bank\n" +
		"FB4,Night Kitchen,49.2750,-123.1300,free meal\n"
	queue := func(id, name string, at time.Time) store.UploadRecord {
		t.Helper()
		rec := store.UploadRecord{ID: id, OrganizationID: "fbs", TokenID: toks[0].ID, Status: store.UploadQueued,
			Mode: "merge", Filename: name, CreatedAt: at}
		if err := st.QueueUpload(ctx, rec, store.UploadFile{Body: []byte(sites)}, 0); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	// Abandoned three days ago, by a shutdown that could not wait, its file still stored.
	old := queue("up_old", "old.csv", now.Add(-72*time.Hour))
	old.Status, old.StartedAt, old.FinishedAt, old.Error = store.UploadAbandoned, old.CreatedAt, old.CreatedAt, "the server stopped"
	if err := st.PutUploadRecord(ctx, old); err != nil {
		t.Fatal(err)
	}
	// Running on a server that was killed two hours ago.
	queue("up_keep", "keep.csv", now.Add(-2*time.Hour))
	queue("up_mistake", "mistake.csv", now.Add(-2*time.Hour+time.Second))
	for range 2 {
		if _, _, err := st.ClaimUpload(ctx, now.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	base, call, eventually := serveOrg(t, dir, token, "--upload-file-ttl", "2d")
	record := func(id string) (rec store.UploadRecord) {
		t.Helper()
		code, b := call("GET", "/api/v1/orgs/fbs/uploads/"+id, nil)
		if code != 200 || json.Unmarshal(b, &rec) != nil {
			t.Fatalf("GET upload %s: %d %s", id, code, b)
		}
		return rec
	}
	eventually("the dead server's uploads abandoned and the old file expired", func() bool {
		return record("up_keep").Status == store.UploadAbandoned && record("up_mistake").Status == store.UploadAbandoned &&
			!record("up_old").FileExpiredAt.IsZero()
	})
	if r := record("up_keep"); !r.FileExpiredAt.IsZero() {
		t.Fatalf("up_keep's file expired at %v: it was abandoned just now, within --upload-file-ttl", r.FileExpiredAt)
	}
	code, b := call("POST", "/api/v1/orgs/fbs/uploads/up_old/retry", nil)
	if code != 410 || !strings.Contains(string(b), "expired on "+record("up_old").FileExpiredAt.Format("2006-01-02")) ||
		!strings.Contains(string(b), "upload it again") || strings.Contains(string(b), "sqlite") {
		t.Errorf("retry of the expired upload: %d %s, want 410 saying when and what to do", code, b)
	}

	p := newPeople(t, peopleOpts{base: base, width: 1100, height: 900})
	p.signIn(base, token)
	row := func(id string) string { return `document.querySelector('#uploads tr[data-upload="` + id + `"]')` }
	actions := func(id string) string {
		return `[...` + row(id) + `.querySelectorAll('button[data-action]')].map(b => b.dataset.action).join(',')`
	}
	p.waitFor("the abandoned uploads are listed", row("up_keep")+` && `+row("up_mistake")+` && `+row("up_old"))
	var listed struct {
		Keep, Mistake, Old       string
		KeepAt, MistakeAt, OldAt string
	}
	p.eval(`({keep: `+row("up_keep")+`.cells[3].textContent, mistake: `+row("up_mistake")+`.cells[3].textContent,
		old: `+row("up_old")+`.cells[3].textContent,
		keepAt: `+actions("up_keep")+`, mistakeAt: `+actions("up_mistake")+`, oldAt: `+actions("up_old")+`})`, &listed)
	for name, text := range map[string]string{"keep": listed.Keep, "mistake": listed.Mistake, "old": listed.Old} {
		if !strings.HasPrefix(text, "abandoned: ") {
			t.Errorf("%s's status reads %q, want it abandoned with its reason", name, text)
		}
	}
	if !strings.Contains(listed.Keep, "stopped before it finished") {
		t.Errorf("the abandoned upload's reason is not shown: %q", listed.Keep)
	}
	if !strings.Contains(listed.Old, "Its file was deleted on") || !strings.Contains(listed.Old, "upload the file again") {
		t.Errorf("the expired upload reads %q: want when its file was deleted and what to do", listed.Old)
	}
	if listed.KeepAt != "retry,dismiss" || listed.MistakeAt != "retry,dismiss" || listed.OldAt != "dismiss" {
		t.Errorf("buttons: keep %q, mistake %q, old %q; want Retry and Dismiss, and only Dismiss once the file expired",
			listed.KeepAt, listed.MistakeAt, listed.OldAt)
	}

	p.run(`document.getElementById('past').scrollIntoView()`)
	shot, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if path := filepath.Join(p.artifacts, "manage-abandoned.png"); os.WriteFile(path, shot, 0o644) == nil {
		t.Logf("screenshot: %s", path)
	}

	// Dismiss the one uploaded by mistake: the list says so, without buttons.
	p.do("dismiss mistake.csv", chromedp.Click(chromedp.CSS(`#uploads tr[data-upload="up_mistake"] button[data-action=dismiss]`)))
	p.waitFor("mistake.csv dismissed in the list", row("up_mistake")+` && `+row("up_mistake")+`.cells[3].textContent.startsWith('dismissed') && `+actions("up_mistake")+` === ''`)
	if r := record("up_mistake"); r.Status != store.UploadDismissed {
		t.Errorf("after Dismiss: %s, want dismissed", r.Status)
	}

	// Retry the other: it runs to the end with the file it was sent with.
	p.do("retry keep.csv", chromedp.Click(chromedp.CSS(`#uploads tr[data-upload="up_keep"] button[data-action=retry]`)))
	eventually("keep.csv done", func() bool { return record("up_keep").Status == store.UploadDone })
	if r := record("up_keep"); r.Created != 4 {
		t.Errorf("retried upload: created %d, want 4", r.Created)
	}
	p.waitFor("the page says it is published", `document.getElementById('past-status').textContent === 'Retried keep.csv: published.'`)
	p.waitFor("keep.csv done in the list, its sites listed", row("up_keep")+`.cells[3].textContent === 'done' && `+actions("up_keep")+` === '' &&
		document.querySelectorAll('#site-list button[data-id]').length === 4`)

	// A replace keeping only FB1 would take 3 of the 4 sites off the map: checked first, the
	// page says so and asks; unconfirmed, it is not sent; confirmed, it publishes.
	file := filepath.Join(t.TempDir(), "only-one.csv")
	if err := os.WriteFile(file, []byte("id,name,lat,lon,category\nFB1,Food Bank One,49.2827,-123.1207,food bank\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	uploads := func() int {
		_, b := call("GET", "/api/v1/orgs/fbs/uploads", nil)
		var out struct{ Uploads []store.UploadRecord }
		_ = json.Unmarshal(b, &out)
		return len(out.Uploads)
	}
	p.do("check a replace with one site",
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#mode-replace")),
		chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)))
	p.waitFor("the check is done", `document.getElementById('upload-status').textContent.startsWith('Checked')`)
	var checked struct{ Status, Label string }
	p.eval(`({status: document.getElementById('upload-status').textContent,
		label: document.getElementById('retire-confirm').hidden ? '' : document.getElementById('confirm-retire-label').textContent})`, &checked)
	if !strings.Contains(checked.Status, "takes 3 of your 4 sites off the map") || !strings.Contains(checked.Label, "takes 3 of your 4 sites off the map") {
		t.Fatalf("after the check: status %q, confirmation %q; want the count, 3 of 4, and the box to confirm it", checked.Status, checked.Label)
	}
	before := uploads()
	p.do("publish without confirming",
		chromedp.Click(chromedp.CSS("#dry-run")),
		chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)))
	p.waitFor("not sent", `document.getElementById('upload-status').textContent.startsWith('Not sent') && document.activeElement.id === 'confirm-retire'`)
	if n := uploads(); n != before {
		t.Errorf("an unconfirmed replace was sent: %d uploads, want %d", n, before)
	}
	p.do("confirm and publish",
		chromedp.Click(chromedp.CSS("#confirm-retire")),
		chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`)))
	p.waitFor("published", `document.getElementById('upload-status').textContent === 'Published.'`)
	_, b = call("GET", "/api/v1/orgs/fbs/uploads?limit=1", nil)
	var last struct{ Uploads []store.UploadRecord }
	if err := json.Unmarshal(b, &last); err != nil || len(last.Uploads) != 1 {
		t.Fatalf("uploads: %s", b)
	}
	if u := last.Uploads[0]; u.Mode != "replace" || u.DryRun || u.Status != store.UploadDone || u.Retired != 3 {
		t.Errorf("the confirmed replace: %s %s dry run %v, retired %d; want done, 3 retired", u.Mode, u.Status, u.DryRun, u.Retired)
	}
	p.waitFor("one site left in the list", `document.querySelectorAll('#site-list button[data-id]').length === 1`)
}
