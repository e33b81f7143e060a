package storetest

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/store"
)

// SMSState is the conformance test of store.SMSState: counters in fixed windows (also under
// concurrent hits), sessions that replace each other and expire, sweeping only what expired,
// and the bounds. An engine's test calls it with the opener it gives Run.
func SMSState(t *testing.T, open Opener) {
	s := open(t)
	st, ok := s.(store.SMSState)
	if !ok {
		t.Skipf("%T does not implement store.SMSState", s)
	}
	ctx := context.Background()
	key := []byte{0x00, 0xff, 'n', 0x80, 0x01} // keys are bytes, NUL and high bytes included
	other := bytes.Repeat([]byte{0xab}, store.MaxSMSKey)
	minute := time.Minute

	t.Run("Hits", func(t *testing.T) {
		for i, tc := range []struct {
			at   time.Duration
			want int
		}{{0, 1}, {time.Second, 2}, {59 * time.Second, 3}, {minute, 1}, {minute + time.Second, 2}, {5 * minute, 1}} {
			n, err := st.HitSMS(ctx, key, Base.Add(tc.at), minute)
			checkErr(t, "HitSMS", err, nil)
			if n != tc.want {
				t.Errorf("hit %d at +%v: got %d, want %d", i, tc.at, n, tc.want)
			}
		}
		if n, _ := st.HitSMS(ctx, other, Base, minute); n != 1 {
			t.Errorf("another key's first hit: got %d, want 1", n)
		}
	})

	t.Run("ConcurrentHits", func(t *testing.T) {
		k := []byte("concurrent")
		const n = 16
		got := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c, err := st.HitSMS(ctx, k, Base, time.Hour)
				if err != nil {
					t.Errorf("HitSMS: %v", err)
				}
				got[i] = c
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, c := range got {
			if c != i+1 {
				t.Fatalf("concurrent hits counted %v, want 1 to %d once each", got, n)
			}
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		k := []byte("session")
		_, err := st.SMSSession(ctx, k, Base)
		checkErr(t, "SMSSession(none)", err, aidmap.ErrNotFound)
		checkErr(t, "PutSMSSession", st.PutSMSSession(ctx, k, []byte("first"), Base.Add(time.Hour)), nil)
		checkErr(t, "PutSMSSession", st.PutSMSSession(ctx, k, []byte("second\x00\xff"), Base.Add(time.Hour)), nil)
		got, err := st.SMSSession(ctx, k, Base.Add(59*minute))
		checkErr(t, "SMSSession", err, nil)
		if string(got) != "second\x00\xff" {
			t.Errorf("SMSSession: got %q, want the second session", got)
		}
		_, err = st.SMSSession(ctx, k, Base.Add(time.Hour))
		checkErr(t, "SMSSession(expired)", err, aidmap.ErrNotFound)

		// A session and counters share a key's row: neither clears the other.
		if n, _ := st.HitSMS(ctx, k, Base, minute); n != 1 {
			t.Errorf("first hit on a session's key: got %d, want 1", n)
		}
		checkErr(t, "PutSMSSession", st.PutSMSSession(ctx, k, []byte("third"), Base.Add(time.Hour)), nil)
		if n, _ := st.HitSMS(ctx, k, Base.Add(time.Second), minute); n != 2 {
			t.Errorf("hit after a session was stored: got %d, want 2", n)
		}
		if got, _ := st.SMSSession(ctx, k, Base); string(got) != "third" {
			t.Errorf("SMSSession after hits: got %q, want third", got)
		}
		empty := []byte("empty")
		checkErr(t, "PutSMSSession(empty)", st.PutSMSSession(ctx, empty, nil, Base.Add(time.Hour)), nil)
		if got, err := st.SMSSession(ctx, empty, Base); err != nil || len(got) != 0 {
			t.Errorf("SMSSession(empty): got %q, %v, want an empty session", got, err)
		}
	})

	t.Run("Bounds", func(t *testing.T) {
		_, err := st.HitSMS(ctx, nil, Base, minute)
		checkErr(t, "HitSMS(no key)", err, aidmap.ErrInvalid)
		_, err = st.HitSMS(ctx, append(other, 1), Base, minute)
		checkErr(t, "HitSMS(long key)", err, aidmap.ErrInvalid)
		_, err = st.HitSMS(ctx, key, Base, 0)
		checkErr(t, "HitSMS(no window)", err, aidmap.ErrInvalid)
		err = st.PutSMSSession(ctx, key, make([]byte, store.MaxSMSSession+1), Base.Add(time.Hour))
		checkErr(t, "PutSMSSession(too long)", err, aidmap.ErrInvalid)
		checkErr(t, "PutSMSSession(longest)", st.PutSMSSession(ctx, other, make([]byte, store.MaxSMSSession), Base.Add(time.Hour)), nil)
	})

	t.Run("Sweep", func(t *testing.T) {
		s := open(t)
		st := s.(store.SMSState)
		_, _ = st.HitSMS(ctx, []byte("counter"), Base, minute)                           // expires at +1 min
		_ = st.PutSMSSession(ctx, []byte("session"), []byte("s"), Base.Add(time.Hour))   // at +1 h
		_, _ = st.HitSMS(ctx, []byte("both"), Base, minute)                              // at +1 h: the later of
		_ = st.PutSMSSession(ctx, []byte("both"), []byte("b"), Base.Add(time.Hour))      // the two
		_ = st.PutSMSSession(ctx, []byte("renewed"), []byte("r"), Base.Add(time.Minute)) // at +1 min,
		_, _ = st.HitSMS(ctx, []byte("renewed"), Base.Add(30*time.Second), 2*time.Hour)  // then +2 h 30 s
		n, err := st.SweepSMS(ctx, Base.Add(minute))
		checkErr(t, "SweepSMS", err, nil)
		if n != 1 {
			t.Errorf("SweepSMS at +1 min: deleted %d, want 1 (the counter)", n)
		}
		if got, err := st.SMSSession(ctx, []byte("both"), Base.Add(minute)); err != nil || string(got) != "b" {
			t.Errorf("a session whose counter ended: got %q, %v, want b", got, err)
		}
		if n, _ := st.HitSMS(ctx, []byte("counter"), Base.Add(minute), minute); n != 1 {
			t.Errorf("a swept counter: got %d, want 1", n)
		}
		n, err = st.SweepSMS(ctx, Base.Add(time.Hour+minute))
		checkErr(t, "SweepSMS", err, nil)
		if n != 3 {
			t.Errorf("SweepSMS at +1 h 1 min: deleted %d, want 3 (counter, session, both)", n)
		}
		if n, _ := st.HitSMS(ctx, []byte("renewed"), Base.Add(time.Hour+minute), 2*time.Hour); n != 2 {
			t.Errorf("a counter still in its window after a sweep: got %d, want 2", n)
		}
	})
}
