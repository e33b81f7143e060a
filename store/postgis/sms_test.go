package postgis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aidmap/aidmap/store"
	"github.com/aidmap/aidmap/store/storetest"
)

func TestSMSState(t *testing.T) {
	testURL(t)
	storetest.SMSState(t, func(t *testing.T) store.Store { return openStore(t) })
}

// BenchmarkSMSState measures what one text message costs the store: the per-number hit and
// the search kept for "more" (a webhook's two writes), on numbers that change.
func BenchmarkSMSState(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	now := time.Now()
	data := make([]byte, 60)
	i := 0
	for b.Loop() {
		key := []byte(fmt.Sprintf("key-%d", i%5000))
		if _, err := s.HitSMS(ctx, key, now, time.Minute); err != nil {
			b.Fatal(err)
		}
		if err := s.PutSMSSession(ctx, key, data, now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "messages/s")
}
