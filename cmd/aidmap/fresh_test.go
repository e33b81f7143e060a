package main

import (
	"io"
	"testing"
	"time"
)

func TestFreshFlags(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		stale, hide      string
		wantStale, wantH time.Duration
		ok               bool
	}{
		{"180d", "0", 180 * day, 0, true},
		{"0", "365d", 0, 365 * day, true},
		{"4320h", "never", 180 * day, 0, true},
		{"180d", "365d", 180 * day, 365 * day, true},
		{"180d", "90d", 0, 0, false}, // hidden before it was ever marked stale
		{"soon", "0", 0, 0, false},
		{"-1d", "0", 0, 0, false},
		{"180d", "-5h", 0, 0, false},
	} {
		// The flags as serve has them, defaults included, with the two under test set.
		f := addFreshFlags(newFlagSet("serve", "", io.Discard))
		*f.staleAfter, *f.hideAfter = tc.stale, tc.hide
		s, h, err := f.policy()
		if (err == nil) != tc.ok || s != tc.wantStale || h != tc.wantH {
			t.Errorf("--stale-after %s --hide-after %s: got %v %v %v, want %v %v ok=%v", tc.stale, tc.hide, s, h, err, tc.wantStale, tc.wantH, tc.ok)
		}
	}
}
