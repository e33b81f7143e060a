package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// testExpireUploadFiles checks that the files of uploads that ended (abandoned, failed) before
// the cut-off are deleted with their records kept and noted, that queued, running, recent,
// dismissed and finished uploads are left alone, that a retry of an expired upload is a
// *FileExpiredError, and that the note survives PutUploadRecord.
func testExpireUploadFiles(t *testing.T, _ store.Store, a store.Accounts) {
	ctx := context.Background()
	file := func(id string) store.UploadFile {
		return store.UploadFile{Body: []byte("name,lat,lon\n" + id + ",49,-123\n")}
	}
	// old (abandoned a week ago), dismissed, running (its heartbeat fresh): claimed at Base;
	// waiting stays queued, created after them so it is not claimed.
	for _, id := range []string{"dismissed", "old", "running"} {
		checkErr(t, "QueueUpload("+id+")", a.QueueUpload(ctx, queued(id, Base), file(id), 0), nil)
	}
	checkErr(t, "QueueUpload(waiting)", a.QueueUpload(ctx, queued("waiting", Base.Add(time.Second)), file("waiting"), 0), nil)
	for range 3 {
		_, _, err := a.ClaimUpload(ctx, Base)
		checkErr(t, "ClaimUpload", err, nil)
	}
	checkErr(t, "TouchUploads(running)", a.TouchUploads(ctx, []string{"running"}, Base.Add(30*24*time.Hour)), nil)
	ended := Base.Add(time.Hour)
	if n, err := a.AbandonUploads(ctx, ended, ended, "the server stopped"); err != nil || n != 2 {
		t.Fatalf("AbandonUploads: %d %v, want old and dismissed", n, err)
	}
	_, err := a.DismissUpload(ctx, "fbs", "dismissed", ended)
	checkErr(t, "DismissUpload", err, nil)
	// A failed upload whose file is still stored (a record written without FinishUpload),
	// and an upload abandoned later than the cut-off.
	for id, at := range map[string]time.Time{"failed": ended, "recent": ended.Add(2 * time.Hour)} {
		rec := queued(id, Base)
		checkErr(t, "QueueUpload("+id+")", a.QueueUpload(ctx, rec, file(id), 0), nil)
		rec.Status, rec.FinishedAt, rec.Error = store.UploadFailed, at, "the file could not be read"
		if id == "recent" {
			rec.Status, rec.StartedAt = store.UploadAbandoned, Base
		}
		checkErr(t, "PutUploadRecord("+id+")", a.PutUploadRecord(ctx, rec), nil)
	}

	expiredAt := Base.Add(8 * 24 * time.Hour)
	n, err := a.ExpireUploadFiles(ctx, ended.Add(time.Hour), expiredAt)
	checkErr(t, "ExpireUploadFiles", err, nil)
	if n != 2 {
		t.Errorf("ExpireUploadFiles: %d, want 2 (old, failed)", n)
	}
	want := map[string]time.Time{"old": expiredAt, "failed": expiredAt, "dismissed": {}, "running": {}, "waiting": {}, "recent": {}}
	checkExpired := func(when string) {
		t.Helper()
		recs, err := a.UploadRecords(ctx, "fbs", 100)
		checkErr(t, "UploadRecords", err, nil)
		if len(recs) != len(want) {
			t.Fatalf("%s: %d records, want %d: expiry keeps them", when, len(recs), len(want))
		}
		for _, r := range recs {
			if !r.FileExpiredAt.Equal(want[r.ID]) {
				t.Errorf("%s: %s (%s) file expired at %v, want %v", when, r.ID, r.Status, r.FileExpiredAt, want[r.ID])
			}
		}
	}
	checkExpired("after expiry")
	old, err := a.UploadRecord(ctx, "fbs", "old")
	checkErr(t, "UploadRecord(old)", err, nil)
	if old.Status != store.UploadAbandoned || old.Error != "the server stopped" || !old.FinishedAt.Equal(ended) {
		t.Errorf("expired record: %+v, want it abandoned as it was", old)
	}

	// A retry of an expired upload says when its file went, and changes nothing.
	_, err = a.RetryUpload(ctx, "fbs", "old")
	var fe *store.FileExpiredError
	if !errors.As(err, &fe) || !errors.Is(err, aidmap.ErrConflict) || !fe.At.Equal(expiredAt) || fe.ID != "old" {
		t.Fatalf("RetryUpload(expired): %v, want a FileExpiredError of old at %v wrapping ErrConflict", err, expiredAt)
	}
	if r, _ := a.UploadRecord(ctx, "fbs", "old"); r.Status != store.UploadAbandoned {
		t.Errorf("after a refused retry: %s, want abandoned", r.Status)
	}
	// The note is part of the record: rewriting the record keeps it.
	old.Error += "."
	checkErr(t, "PutUploadRecord(expired)", a.PutUploadRecord(ctx, old), nil)
	if r, _ := a.UploadRecord(ctx, "fbs", "old"); !r.FileExpiredAt.Equal(expiredAt) {
		t.Errorf("after PutUploadRecord: file expired at %v, want %v", r.FileExpiredAt, expiredAt)
	}
	// It can still be dismissed.
	if r, err := a.DismissUpload(ctx, "fbs", "old", expiredAt); err != nil || r.Status != store.UploadDismissed || !r.FileExpiredAt.Equal(expiredAt) {
		t.Errorf("DismissUpload(expired): %+v %v", r, err)
	}

	// Again later: nothing more to expire but the recent one; queued and running keep theirs.
	n, err = a.ExpireUploadFiles(ctx, Base.Add(365*24*time.Hour), expiredAt.Add(time.Hour))
	checkErr(t, "ExpireUploadFiles again", err, nil)
	if n != 1 {
		t.Errorf("ExpireUploadFiles again: %d, want 1 (recent)", n)
	}
	want["recent"] = expiredAt.Add(time.Hour)
	checkExpired("after the second expiry")
	rec, f, err := a.ClaimUpload(ctx, expiredAt)
	checkErr(t, "ClaimUpload(waiting)", err, nil)
	if rec.ID != "waiting" || string(f.Body) != string(file("waiting").Body) {
		t.Errorf("claimed %s with %q, want waiting with its file", rec.ID, f.Body)
	}
	// The running one (abandoned now) still has its file: it can be retried.
	if n, err := a.AbandonUploads(ctx, Base.Add(365*24*time.Hour), expiredAt, "stopped"); err != nil || n != 2 {
		t.Fatalf("AbandonUploads: %d %v, want running and waiting", n, err)
	}
	if _, err := a.RetryUpload(ctx, "fbs", "running"); err != nil {
		t.Errorf("RetryUpload(running, never expired): %v", err)
	}
}

// testExpireRacesRetry checks that expiry on several processes at once, racing retries of the
// same uploads, expires each file once and never leaves an upload queued without its file:
// every upload ends either queued with its file or abandoned with the note.
func testExpireRacesRetry(t *testing.T, _ store.Store, a store.Accounts) {
	ctx := context.Background()
	const n = 24
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("up%02d", i)
		checkErr(t, "QueueUpload", a.QueueUpload(ctx, queued(ids[i], Base), store.UploadFile{Body: []byte(ids[i])}, 0), nil)
	}
	for range ids {
		_, _, err := a.ClaimUpload(ctx, Base)
		checkErr(t, "ClaimUpload", err, nil)
	}
	if k, err := a.AbandonUploads(ctx, Base.Add(time.Hour), Base.Add(time.Hour), "stopped"); err != nil || k != n {
		t.Fatalf("AbandonUploads: %d %v, want %d", k, err, n)
	}
	var (
		wg                sync.WaitGroup
		mu                sync.Mutex
		expired, retried  int
		refused           = map[string]bool{}
		now               = Base.Add(30 * 24 * time.Hour)
		start             = make(chan struct{})
		sweepers, retries = 3, 2
	)
	for range sweepers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range 4 {
				k, err := a.ExpireUploadFiles(ctx, Base.Add(2*time.Hour), now)
				if err != nil {
					t.Errorf("ExpireUploadFiles: %v", err)
					return
				}
				mu.Lock()
				expired += k
				mu.Unlock()
			}
		}()
	}
	for w := range retries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := w; i < n; i += retries {
				_, err := a.RetryUpload(ctx, "fbs", ids[i])
				var fe *store.FileExpiredError
				switch {
				case err == nil:
					mu.Lock()
					retried++
					mu.Unlock()
				case errors.As(err, &fe):
					mu.Lock()
					refused[ids[i]] = true
					mu.Unlock()
				default:
					t.Errorf("RetryUpload(%s): %v", ids[i], err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if expired+retried != n {
		t.Errorf("%d files expired and %d uploads retried, want %d in all: each upload one or the other", expired, retried, n)
	}
	recs, err := a.UploadRecords(ctx, "fbs", 100)
	checkErr(t, "UploadRecords", err, nil)
	queuedNow := map[string]bool{}
	for _, r := range recs {
		switch {
		case r.Status == store.UploadQueued && r.FileExpiredAt.IsZero():
			queuedNow[r.ID] = true
		case r.Status == store.UploadAbandoned && r.FileExpiredAt.Equal(now):
		default:
			t.Errorf("%s ended %s with its file expired at %v: want queued, or abandoned and expired", r.ID, r.Status, r.FileExpiredAt)
		}
		if refused[r.ID] && r.Status != store.UploadAbandoned {
			t.Errorf("%s: its retry was refused as expired, yet it is %s", r.ID, r.Status)
		}
	}
	// Every queued one runs: its file is there.
	for range queuedNow {
		rec, f, err := a.ClaimUpload(ctx, now)
		checkErr(t, "ClaimUpload", err, nil)
		if !queuedNow[rec.ID] || string(f.Body) != rec.ID {
			t.Errorf("claimed %s with %q", rec.ID, f.Body)
		}
	}
	_, _, err = a.ClaimUpload(ctx, now)
	checkErr(t, "ClaimUpload after the queued ones", err, aidmap.ErrNotFound)
}
