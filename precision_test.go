package aidmap

import "testing"

func TestPrecisionOrder(t *testing.T) {
	order := []Precision{PrecisionExact, PrecisionAddress, PrecisionInterpolated, PrecisionStreet, PrecisionPostalCode, PrecisionLocality}
	for i, p := range order {
		if got := p.Rank(); got != i {
			t.Errorf("%s.Rank() = %d, want %d", p, got, i)
		}
		for j, q := range order {
			if got, want := p.AtLeast(q), i <= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", p, q, got, want)
			}
		}
	}
	for _, p := range []Precision{"", "rooftop"} {
		if p.Rank() <= PrecisionLocality.Rank() || p.AtLeast(PrecisionLocality) {
			t.Errorf("unknown precision %q ranks %d (AtLeast locality %v), want after every known one",
				p, p.Rank(), p.AtLeast(PrecisionLocality))
		}
	}
}
