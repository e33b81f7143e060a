package upload

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "aidmap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.UpsertOrganization(context.Background(), aidmap.Organization{ID: "fbs", Name: "Food Bank Society"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitFor polls the upload's record until cond holds; the deadline only guards against a hang.
func waitFor(t *testing.T, st Store, id string, cond func(store.UploadRecord) bool) store.UploadRecord {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec, err := st.UploadRecord(context.Background(), "fbs", id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(rec) {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload %s: still %s", id, rec.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const sitesCSV = "id,name,lat,lon,category\nA,Food Bank A,49.28,-123.12,food bank\nB,Meal Hall,49.26,-123.10,free meal\n"

func TestSubmitRuns(t *testing.T) {
	st := openStore(t)
	svc := New(Config{Store: st})
	ctx := context.Background()
	if _, err := svc.Submit(ctx, Request{Org: "fbs", Name: "sites.xlsx", Body: []byte("PK\x03\x04\x14\x00cut off")}); err == nil {
		t.Error("Submit of an unreadable file: no error")
	}
	if _, err := svc.Submit(ctx, Request{Org: "nosuch", Body: []byte(sitesCSV)}); !errors.Is(err, aidmap.ErrNotFound) {
		t.Errorf("Submit to an unknown organisation: %v, want ErrNotFound", err)
	}
	rec, err := svc.Submit(ctx, Request{Org: "fbs", TokenID: "tok", Name: "sites.csv", Body: []byte(sitesCSV)})
	if err != nil || rec.Status != store.UploadQueued {
		t.Fatalf("Submit: %+v %v", rec, err)
	}
	if err := svc.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Status(ctx, "fbs", rec.ID)
	if err != nil || got.Status != store.UploadDone || got.Created != 2 || len(got.Report) == 0 {
		t.Fatalf("after Wait: %+v %v, want done with 2 created and the report", got, err)
	}
	if _, err := st.RetryUpload(ctx, "fbs", rec.ID); !errors.Is(err, aidmap.ErrConflict) {
		t.Errorf("retry of a finished upload: %v, want ErrConflict", err)
	}
}

// stuckStore's uploads wait for their context to end: an upload that cannot finish before
// shutdown.
type stuckStore struct {
	*sqlite.Store
	started chan struct{}
}

func (s stuckStore) BeginUpload(ctx context.Context, _ string, _ store.UploadOptions) (store.Upload, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestShutdownRequeues checks that an upload a shutdown cannot wait for is stopped, wrote
// nothing, and goes back in the queue with its file, for another process to run to the end.
func TestShutdownRequeues(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	g := stuckStore{Store: st, started: make(chan struct{}, 1)}
	a := New(Config{Store: g})
	rec, err := a.Submit(ctx, Request{Org: "fbs", TokenID: "tok", Name: "sites.csv", Body: []byte(sitesCSV)})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.started:
	case <-time.After(60 * time.Second):
		t.Fatal("the upload never started")
	}
	sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := a.Shutdown(sctx); err == nil {
		t.Error("Shutdown with an upload still running: no error")
	}
	got := waitFor(t, st, rec.ID, func(r store.UploadRecord) bool { return r.Status != store.UploadRunning })
	if got.Status != store.UploadQueued {
		t.Fatalf("after shutdown: %s %q, want queued again", got.Status, got.Error)
	}
	if v, _ := st.Version(ctx); v != 0 {
		t.Errorf("store version %d after the stopped upload, want 0 (nothing written)", v)
	}
	// Another process (here another service on the same store) takes it and finishes it.
	b := New(Config{Store: st, PollEvery: 10 * time.Millisecond})
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	go b.Run(bctx)
	got = waitFor(t, st, rec.ID, func(r store.UploadRecord) bool { return r.Status == store.UploadDone })
	if got.Created != 2 {
		t.Errorf("run elsewhere: created %d, want 2", got.Created)
	}
}

// clock is a settable time for a service's Config.Now, safe to read from its workers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestAbandonedFileExpires checks that the file of an abandoned upload is kept FileTTL for a
// retry and then deleted by the sweep (Run's included), the record kept with the note, and
// that a retry after that says when the file expired and to upload it again.
func TestAbandonedFileExpires(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	svc := New(Config{Store: st, Now: c.Now, FileTTL: 48 * time.Hour, PollEvery: 10 * time.Millisecond})
	// Two uploads left running by a process that died (claimed, then no heartbeat).
	for _, id := range []string{"up_retried", "up_expired"} {
		rec := store.UploadRecord{ID: id, OrganizationID: "fbs", TokenID: "tok", Status: store.UploadQueued,
			Mode: "merge", Filename: "sites.csv", CreatedAt: c.Now()}
		if err := st.QueueUpload(ctx, rec, store.UploadFile{Body: []byte(sitesCSV)}, 0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.ClaimUpload(ctx, c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	c.Add(2 * time.Minute)
	if n, err := svc.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("Sweep: %d %v, want 2 abandoned", n, err)
	}
	abandonedAt := c.Now()

	// Within the TTL the files are kept: a retry runs to the end.
	c.Add(47 * time.Hour)
	if n, err := svc.ExpireFiles(ctx); err != nil || n != 0 {
		t.Fatalf("ExpireFiles within the TTL: %d %v, want 0", n, err)
	}
	if _, err := svc.Retry(ctx, "fbs", "up_retried"); err != nil {
		t.Fatalf("Retry within the TTL: %v", err)
	}
	if err := svc.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Status(ctx, "fbs", "up_retried"); got.Status != store.UploadDone || got.Created != 2 {
		t.Fatalf("retried: %s created %d %q, want done with 2 created", got.Status, got.Created, got.Error)
	}

	// Past it, the sweep deletes the file; the record stays, noted.
	c.Add(2 * time.Hour)
	expiredAt := c.Now()
	if n, err := svc.ExpireFiles(ctx); err != nil || n != 1 {
		t.Fatalf("ExpireFiles past the TTL: %d %v, want 1", n, err)
	}
	got, err := svc.Status(ctx, "fbs", "up_expired")
	if err != nil || got.Status != store.UploadAbandoned || got.Error != AbandonedReason ||
		!got.FileExpiredAt.Equal(expiredAt) || !got.FinishedAt.Equal(abandonedAt) {
		t.Fatalf("expired: %+v %v, want abandoned as it was, its file expired at %v", got, err, expiredAt)
	}
	if done, _ := svc.Status(ctx, "fbs", "up_retried"); !done.FileExpiredAt.IsZero() {
		t.Errorf("the finished upload's file noted as expired at %v: finishing deleted it, nothing expired", done.FileExpiredAt)
	}
	_, err = svc.Retry(ctx, "fbs", "up_expired")
	var fe *store.FileExpiredError
	if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrConflict) {
		t.Fatalf("Retry of an expired upload: %v, want a *store.FileExpiredError", err)
	}
	if msg := ClientDetail(err); !strings.Contains(msg, "expired on 2026-12-03 10:02 UTC") || !strings.Contains(msg, "upload it again") {
		t.Errorf("retry refused with %q: want when the file expired and what to do", msg)
	}
	if got, _ := svc.Status(ctx, "fbs", "up_expired"); got.Status != store.UploadAbandoned {
		t.Errorf("after a refused retry: %s, want still abandoned", got.Status)
	}

	// Run sweeps expired files too, on its own: an upload a shutdown marked abandoned with
	// its file, kept past the TTL when the next server starts.
	swept := store.UploadRecord{ID: "up_swept", OrganizationID: "fbs", TokenID: "tok", Status: store.UploadQueued,
		Mode: "merge", Filename: "sites.csv", CreatedAt: c.Now()}
	if err := st.QueueUpload(ctx, swept, store.UploadFile{Body: []byte(sitesCSV)}, 0); err != nil {
		t.Fatal(err)
	}
	swept.Status, swept.FinishedAt, swept.Error = store.UploadAbandoned, c.Now(), AbandonedReason
	if err := st.PutUploadRecord(ctx, swept); err != nil {
		t.Fatal(err)
	}
	c.Add(49 * time.Hour)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()
	got = waitFor(t, st, "up_swept", func(r store.UploadRecord) bool { return !r.FileExpiredAt.IsZero() })
	if !got.FileExpiredAt.Equal(c.Now()) || got.Status != store.UploadAbandoned {
		t.Errorf("swept by Run: %s, file expired at %v, want abandoned and expired at %v", got.Status, got.FileExpiredAt, c.Now())
	}
}
