package web

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/store"
)

// TestUploadRecordShared checks that an upload's record is in the store from the moment it is
// accepted: a second server on the same store (another replica) answers its status, and it
// lists it.
func TestUploadRecordShared(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: -1}, 0)
	// Replica B: another server on the same store.
	src := snapshot{ix: geo.NewIndex(demo.Sites(10, 7), 9), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	b := httptest.NewServer(NewServer(Config{Source: src, Store: e.st, Uploads: Uploads{Store: e.st}}).Handler())
	defer b.Close()

	resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads", "fbs", "text/csv", []byte(uploadCSV))
	if resp.StatusCode != 202 {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	var acc struct{ ID string }
	json.Unmarshal(body, &acc)
	// Whatever the runner on A has got to, B knows the upload at once.
	rec, err := e.st.UploadRecord(context.Background(), "fbs", acc.ID)
	if err != nil {
		t.Fatalf("the record is not in the store once accepted: %v", err)
	}
	if rec.Status != store.UploadQueued && rec.Status != store.UploadRunning && rec.Status != store.UploadDone {
		t.Errorf("accepted upload: status %s", rec.Status)
	}
	e.server.WaitUploads(context.Background())
	for _, path := range []string{"/api/v1/orgs/fbs/uploads/" + acc.ID, "/api/v1/orgs/fbs/uploads"} {
		req := httptest.NewRequest("GET", b.URL+path, nil)
		req.RequestURI = ""
		req.Header.Set("Authorization", "Bearer "+e.secrets["fbsadmin"])
		r, err := b.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		json.NewDecoder(r.Body).Decode(&got)
		r.Body.Close()
		if r.StatusCode != 200 || !strings.Contains(mustJSON(got), acc.ID) {
			t.Errorf("replica B GET %s: %d %v", path, r.StatusCode, got)
		}
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestAbandonedUploads checks that an upload left running by a process that stopped becomes
// abandoned with the reason when a server sweeps, and that rolling it back says so (409,
// not "is running").
func TestAbandonedUploads(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: -1}, 0)
	ctx := context.Background()
	dead := store.UploadRecord{ID: "up_dead", OrganizationID: "fbs", TokenID: "tok", Status: store.UploadRunning,
		Mode: "replace", CreatedAt: testNow.Add(-time.Hour), StartedAt: testNow.Add(-time.Hour)}
	live := dead
	live.ID, live.CreatedAt, live.StartedAt = "up_live", testNow, testNow
	for _, r := range []store.UploadRecord{dead, live} {
		if err := e.st.PutUploadRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.server.SweepUploads(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SweepUploads: %d %v, want 1", n, err)
	}
	got := e.finished("fbs", "fbs", "up_dead")
	if got.Status != store.UploadAbandoned || !strings.Contains(got.Error, "nothing of it was written") {
		t.Errorf("dead upload: %s %q, want abandoned with the reason", got.Status, got.Error)
	}
	if r, _ := e.st.UploadRecord(ctx, "fbs", "up_live"); r.Status != store.UploadRunning {
		t.Errorf("an upload with a fresh start was abandoned: %s", r.Status)
	}
	resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads/up_dead/rollback", "fbs", "", nil)
	if resp.StatusCode != 409 || !strings.Contains(string(body), "abandoned") || strings.Contains(string(body), "is running") {
		t.Errorf("rollback of an abandoned upload: %d %s", resp.StatusCode, body)
	}
}

// TestQueuedUploadRunsAnywhere checks that an upload queued by another replica (which may have
// died since) is claimed from the store and run by this one.
func TestQueuedUploadRunsAnywhere(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: -1}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := store.UploadRecord{ID: "up_elsewhere", OrganizationID: "fbs", TokenID: "tok", Status: store.UploadQueued,
		Mode: "merge", Filename: "sites.csv", CreatedAt: testNow}
	if err := e.st.QueueUpload(ctx, rec, store.UploadFile{Body: []byte(uploadCSV)}, 0); err != nil {
		t.Fatal(err)
	}
	go e.server.RunUploads(ctx)
	deadline := time.Now().Add(30 * time.Second) // a hang guard, not a speed test
	for {
		got, err := e.st.UploadRecord(ctx, "fbs", rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == store.UploadDone {
			if got.Created != 2 || got.Rejected != 1 {
				t.Errorf("run by this replica: created %d rejected %d, want 2 and 1", got.Created, got.Rejected)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued upload not run: %s", got.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRetryDismissAbandoned checks that an abandoned upload can be run again with its file
// (POST …/retry) or dismissed (POST …/dismiss), and that neither applies to other uploads.
func TestRetryDismissAbandoned(t *testing.T) {
	e := newAccountsEnv(t, Uploads{PerTokenPerMinute: -1}, 0)
	ctx := context.Background()
	// Two uploads claimed an hour ago by a replica that died.
	for _, id := range []string{"up_a", "up_b"} {
		rec := store.UploadRecord{ID: id, OrganizationID: "fbs", TokenID: "tok", Status: store.UploadQueued,
			Mode: "merge", Filename: "sites.csv", CreatedAt: testNow.Add(-time.Hour)}
		if err := e.st.QueueUpload(ctx, rec, store.UploadFile{Body: []byte(uploadCSV)}, 0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.st.ClaimUpload(ctx, testNow.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.server.SweepUploads(ctx); err != nil || n != 2 {
		t.Fatalf("SweepUploads: %d %v, want 2", n, err)
	}
	for _, tc := range []struct{ path, token string }{
		{"/api/v1/orgs/fbs/uploads/up_a/retry", "other"},
		{"/api/v1/orgs/other/uploads/up_a/retry", "other"},
	} {
		if resp, body := e.do("POST", tc.path, tc.token, "", nil); resp.StatusCode != 403 && resp.StatusCode != 404 {
			t.Errorf("POST %s as %s: %d %s, want 403 or 404", tc.path, tc.token, resp.StatusCode, body)
		}
	}
	resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads/up_a/retry", "fbs", "", nil)
	if resp.StatusCode != 202 || resp.Header.Get("Location") != "/api/v1/orgs/fbs/uploads/up_a" {
		t.Fatalf("retry: %d %s", resp.StatusCode, body)
	}
	got := e.finished("fbs", "fbs", "up_a")
	if got.Status != store.UploadDone || got.Created != 2 || got.Error != "" {
		t.Errorf("retried upload: %s created %d %q, want done with 2 created", got.Status, got.Created, got.Error)
	}
	if resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads/up_a/retry", "fbs", "", nil); resp.StatusCode != 409 {
		t.Errorf("retry of a finished upload: %d %s, want 409", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads/up_a/dismiss", "fbs", "", nil); resp.StatusCode != 409 {
		t.Errorf("dismiss of a finished upload: %d %s, want 409", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/v1/orgs/fbs/uploads/up_b/dismiss", "fbs", "", nil)
	var rec store.UploadRecord
	if json.Unmarshal(body, &rec); resp.StatusCode != 200 || rec.Status != store.UploadDismissed {
		t.Fatalf("dismiss: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads/up_b/retry", "fbs", "", nil); resp.StatusCode != 409 {
		t.Errorf("retry of a dismissed upload: %d %s, want 409", resp.StatusCode, body)
	}
	if resp, body := e.do("POST", "/api/v1/orgs/fbs/uploads/up_nosuch/dismiss", "fbs", "", nil); resp.StatusCode != 404 {
		t.Errorf("dismiss of an unknown upload: %d %s, want 404", resp.StatusCode, body)
	}
}
