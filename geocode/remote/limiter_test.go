package remote

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestLimiterSpacesConcurrentCallers(t *testing.T) {
	clk := newFakeClock()
	l := newLimiter(time.Second, clk)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := l.wait(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := clk.recorded()
	slices.Sort(got)
	want := []time.Duration{1 * time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("sleeps: got %v, want %v (one caller goes at once)", got, want)
	}

	// Once the queue's time has passed, a caller goes at once again.
	clk.advance(10 * time.Second)
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(clk.recorded()); n != 4 {
		t.Errorf("a caller slept with an empty queue")
	}
}

func TestLimiterCancelGivesSlotBack(t *testing.T) {
	clk := newFakeClock()
	l := newLimiter(time.Second, clk)
	if err := l.wait(context.Background()); err != nil { // takes now, next slot at +1 s
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx); !errors.Is(err, context.Canceled) { // already done: no slot taken
		t.Fatalf("got %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	clk.mu.Lock()
	clk.block = true
	clk.mu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- l.wait(ctx) }() // takes the +1 s slot and sleeps until cancelled
	for len(clk.recorded()) == 0 {      // until the goroutine sleeps
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	// The abandoned slot (+1 s) is free again: the next caller waits 1 s, not 2 s.
	clk.mu.Lock()
	clk.block = false
	clk.mu.Unlock()
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := clk.recorded()
	if want := []time.Duration{time.Second, time.Second}; !slices.Equal(got, want) {
		t.Errorf("sleeps: got %v, want %v", got, want)
	}
}
