package geocode

import (
	"testing"

	"github.com/aidmap/aidmap"
)

func TestResultPlaced(t *testing.T) {
	for _, tc := range []struct {
		p    aidmap.Precision
		conf float64
		want bool
	}{
		{aidmap.PrecisionAddress, 0.9, true},
		{aidmap.PrecisionInterpolated, 0.5, true},
		{aidmap.PrecisionStreet, 0.5, true},
		{aidmap.PrecisionStreet, 0.49, false},
		{aidmap.PrecisionPostalCode, 1, false},
		{aidmap.PrecisionLocality, 1, false},
		{"", 1, false},
	} {
		if got := (Result{Precision: tc.p, Confidence: tc.conf}).Placed(); got != tc.want {
			t.Errorf("Result{%s, %.2f}.Placed() = %v, want %v", tc.p, tc.conf, got, tc.want)
		}
	}
}
