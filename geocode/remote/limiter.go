package remote

import (
	"context"
	"sync"
	"time"
)

// clock is the time source of the rate limit and back-off, so that tests can stand still
// instead of sleeping.
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever is first, and returns ctx.Err() in
	// the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limiter spaces requests at least interval apart, whoever sends them. Each caller
// reserves the next free slot under the lock and then sleeps until it outside, so
// concurrent callers queue in the order they arrived without holding the lock while
// waiting, and a caller whose context ends stops waiting at once.
type limiter struct {
	interval time.Duration
	clock    clock

	mu   sync.Mutex
	next time.Time // the earliest time the next request may go
}

func newLimiter(interval time.Duration, c clock) *limiter {
	return &limiter{interval: interval, clock: c}
}

// wait blocks until the caller may send, or returns ctx.Err() if ctx ends first.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	now := l.clock.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()

	d := at.Sub(now)
	if d <= 0 {
		return nil
	}
	if err := l.clock.Sleep(ctx, d); err != nil {
		// Give the slot back if nobody queued behind it, so an abandoned wait does not
		// delay the next caller; otherwise the queue keeps its spacing.
		l.mu.Lock()
		if l.next.Equal(at.Add(l.interval)) {
			l.next = at
		}
		l.mu.Unlock()
		return err
	}
	return nil
}
