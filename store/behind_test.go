package store

import (
	"errors"
	"testing"
)

func TestWriteBehind(t *testing.T) {
	var b WriteBehind
	if err := b.Wait(); err != nil {
		t.Fatalf("Wait with no write: %v", err)
	}
	release := make(chan struct{})
	wrote := false
	b.Go(func() error { <-release; wrote = true; return nil })
	close(release)
	if err := b.Wait(); err != nil || !wrote {
		t.Fatalf("Wait = %v, wrote %v; want nil after the write", err, wrote)
	}
	boom := errors.New("boom")
	b.Go(func() error { return boom })
	if err := b.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want the write's error", err)
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("second Wait = %v: the error is handed over once", err)
	}
}
