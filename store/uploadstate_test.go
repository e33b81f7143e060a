package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aidmap/aidmap"
)

var errOver = errors.New("tx over")

// newState is an UploadState under ctx whose rollbacks are counted.
func newState(ctx context.Context) (*UploadState, *int) {
	var s UploadState
	aborts := new(int)
	s.Init(ctx, func() { *aborts++ }, errOver)
	return &s, aborts
}

func TestUploadState(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name   string
		run    func(s *UploadState, cancel context.CancelFunc) error
		want   string // in the last call's error; "" for none
		is     error  // the last call's error wraps it, when set
		aborts int
	}{
		{"a usable upload", func(s *UploadState, _ context.CancelFunc) error { return s.Usable() }, "", nil, 0},
		{"fail rolls back once", func(s *UploadState, _ context.CancelFunc) error {
			s.Fail(boom)
			s.Fail(errors.New("later"))
			return s.Usable()
		}, "upload failed earlier: boom", boom, 1},
		{"an ended ctx fails and rolls back", func(s *UploadState, cancel context.CancelFunc) error {
			cancel()
			return s.Usable()
		}, "upload abandoned", context.Canceled, 1},
		{"a failed write behind fails the next call", func(s *UploadState, _ context.CancelFunc) error {
			if err := s.AddBatch(context.Background(), func() error { return nil }, func() error { return boom }, false); err != nil {
				return err
			}
			return s.Usable()
		}, "boom", boom, 1},
		{"a write behind failed by the ended ctx says abandoned", func(s *UploadState, cancel context.CancelFunc) error {
			release := make(chan struct{})
			s.AddBatch(context.Background(), func() error { return nil }, func() error { <-release; return errors.New("driver: canceled") }, false)
			cancel()
			close(release)
			return s.Usable()
		}, "upload abandoned", context.Canceled, 1},
		{"an encoding error fails the upload after the write behind", func(s *UploadState, _ context.CancelFunc) error {
			wrote := false
			s.AddBatch(context.Background(), func() error { return nil }, func() error { time.Sleep(time.Millisecond); wrote = true; return nil }, false)
			err := s.AddBatch(context.Background(), func() error { return boom }, func() error { return nil }, false)
			if !wrote {
				return errors.New("rolled back under a write")
			}
			return err
		}, "boom", boom, 1},
		{"now writes before returning", func(s *UploadState, _ context.CancelFunc) error {
			wrote := false
			if err := s.AddBatch(context.Background(), func() error { return nil }, func() error { wrote = true; return nil }, true); err != nil || !wrote {
				return errors.New("not written at once")
			}
			return s.AddBatch(context.Background(), func() error { return nil }, func() error { return boom }, true)
		}, "boom", boom, 1},
		{"after End", func(s *UploadState, _ context.CancelFunc) error {
			if !s.End() {
				return errors.New("End of an open upload said it was over")
			}
			if s.End() {
				return errors.New("second End said it was open")
			}
			return s.AddBatch(context.Background(), func() error { return nil }, func() error { return nil }, false)
		}, "upload is over", errOver, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, aborts := newState(ctx)
			err := tt.run(s, cancel)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Fatalf("error %v does not wrap %v", err, tt.is)
			}
			if *aborts != tt.aborts {
				t.Errorf("%d rollbacks, want %d", *aborts, tt.aborts)
			}
		})
	}
}

func TestBeginOptions(t *testing.T) {
	opts, err := BeginOptions("org", UploadOptions{})
	if err != nil || opts.Now.IsZero() {
		t.Fatalf("BeginOptions = %+v, %v; want Now set", opts, err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if opts, _ := BeginOptions("org", UploadOptions{Now: at}); !opts.Now.Equal(at) {
		t.Errorf("Now %v, want the caller's %v", opts.Now, at)
	}
	_, err = BeginOptions("org", UploadOptions{Organization: &aidmap.Organization{ID: "other"}})
	if !errors.Is(err, aidmap.ErrInvalid) {
		t.Errorf("an organisation to create with another ID: %v, want ErrInvalid", err)
	}
}
