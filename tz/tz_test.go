package tz

import "testing"

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"Vancouver", 49.2827, -123.1207, "America/Vancouver"},
		{"Montréal", 45.5019, -73.5674, "America/Toronto"},
		{"Paris", 48.8566, 2.3522, "Europe/Paris"},
		{"St. John's", 47.5615, -52.7126, "America/St_Johns"},
		{"Regina (no DST)", 50.4452, -104.6189, "America/Regina"},
		{"Kolkata", 22.5726, 88.3639, "Asia/Kolkata"},
		{"Sydney", -33.8688, 151.2093, "Australia/Sydney"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Find(tc.lat, tc.lon); got != tc.want {
				t.Errorf("Find(%v, %v): got %q, want %q", tc.lat, tc.lon, got, tc.want)
			}
		})
	}
}

func BenchmarkFind(b *testing.B) {
	if err := Load(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Find(49.2827, -123.1207)
	}
}
