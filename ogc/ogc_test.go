package ogc

import (
	"testing"

	"github.com/aidmap/aidmap"
)

func TestParseDatetime(t *testing.T) {
	for _, tc := range []struct {
		in       string
		ok       bool
		from, to string
	}{
		{"2026-01-01T00:00:00Z", true, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"2026-01-01T00:00:00Z/..", true, "2026-01-01T00:00:00Z", ""},
		{"../2026-01-01", true, "", "2026-01-01T00:00:00Z"},
		{"/2026-01-01", true, "", "2026-01-01T00:00:00Z"},
		{"..", false, "", ""},
		{"x/..", false, "", ""},
	} {
		from, to, err := ParseDatetime(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		f := func(s string) string {
			if s == "0001-01-01T00:00:00Z" {
				return ""
			}
			return s
		}
		if tc.ok && (f(from.Format("2006-01-02T15:04:05Z07:00")) != tc.from || f(to.Format("2006-01-02T15:04:05Z07:00")) != tc.to) {
			t.Errorf("%q: got %v..%v, want %s..%s", tc.in, from, to, tc.from, tc.to)
		}
	}
}

// FuzzParseDatetime: any datetime either fails with a parameter error or gives an interval
// that does not end before it starts.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2026-01-01T00:00:00Z", "../2026-01-01", "2026-01-01/..", "/", "..", "2026-02-30", "x/y/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := ParseDatetime(s)
		if err != nil {
			if fe, ok := err.(*aidmap.FieldError); !ok || fe.Field != "datetime" {
				t.Fatalf("%q: error %T %v, want an *aidmap.FieldError about datetime", s, err, err)
			}
			return
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			t.Fatalf("%q: %v after %v", s, from, to)
		}
	})
}
