package addr

import "testing"

func TestStreetName(t *testing.T) {
	for in, want := range map[string]string{
		"E Hastings St":          "hastings",
		"East Hastings Street":   "hastings",
		"Main Street":            "main",
		"Main":                   "main",
		"West 4th Avenue":        "4 ave",
		"4th Ave W":              "4 ave",
		"boul. St-Laurent":       "st laurent",
		"rue Sainte-Catherine O": "st catherine",
		"Kingsway":               "kingsway",
		"Highway 99":             "hwy 99",
		"221A Street":            "221a st",
	} {
		if got := StreetName(Street(in)); got != want {
			t.Errorf("StreetName(Street(%q) = %q): got %q, want %q", in, Street(in), got, want)
		}
	}
}
