package ingest

import (
	"testing"
)

func TestFieldNames(t *testing.T) {
	for _, f := range Fields() {
		got, ok := ParseField(f.String())
		if !ok || got != f {
			t.Errorf("ParseField(%q): got %v, %v, want %v", f.String(), got, ok, f)
		}
	}
	tests := map[string]Field{
		"Nom de l'organisme": FieldName, "NOM_DE_L_ORGANISME": FieldName, "Code Postal": FieldPostalCode,
		"ZIP": FieldPostalCode, "Téléphone": FieldPhone, "telephone": FieldPhone, "Site Web": FieldWebsite,
		"Courriel": FieldEmail, "Catégorie": FieldCategory, "Heures d'ouverture": FieldHours, "LNG": FieldLon,
		"Lat, Lon": FieldCoordinates, "opening_hours": FieldHours, "physicalAddress1": FieldAddress,
	}
	for in, want := range tests {
		if got, _ := ParseField(in); got != want {
			t.Errorf("ParseField(%q): got %v, want %v", in, got, want)
		}
	}
}

func TestSplitCoordinates(t *testing.T) {
	tests := []struct {
		in        string
		a, b      string
		order     CoordinateOrder
		wantValid bool
	}{
		{"49.28, -123.1", "49.28", "-123.1", OrderUnknown, true},
		{"-123.1,49.28", "-123.1", "49.28", OrderUnknown, true},
		{"(49.28, -123.1)", "49.28", "-123.1", OrderUnknown, true},
		{"[-123.1, 49.28]", "-123.1", "49.28", OrderUnknown, true},
		{"49.28 -123.1", "49.28", "-123.1", OrderUnknown, true},
		{"49,28; -123,1", "49,28", "-123,1", OrderUnknown, true},
		{"49,28 -123,1", "49,28", "-123,1", OrderUnknown, true},
		{"49.28N 123.1W", "49.28N", "123.1W", LatLon, true},
		{"123.1W, 49.28N", "123.1W", "49.28N", LonLat, true},
		{"POINT(-123.1 49.28)", "-123.1", "49.28", LonLat, true},
		{"point (-123.1 49.28)", "-123.1", "49.28", LonLat, true},
		{"SRID=4326;POINT(-123.1 49.28)", "-123.1", "49.28", LonLat, true},
		{"POINT Z (-123.1 49.28 10)", "-123.1", "49.28", LonLat, true},
		{"POINT EMPTY", "", "", OrderUnknown, false},
		{"Church basement", "", "", OrderUnknown, false},
		{"NaN, 1", "", "", OrderUnknown, false},
		{"1,2,3", "", "", OrderUnknown, false},
		{"0x10, 1", "", "", OrderUnknown, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, ok := SplitCoordinates(tt.in)
			if ok != tt.wantValid {
				t.Fatalf("ok: got %v, want %v", ok, tt.wantValid)
			}
			if p.A != tt.a || p.B != tt.b || p.Order != tt.order {
				t.Errorf("got %q %q %v, want %q %q %v", p.A, p.B, p.Order, tt.a, tt.b, tt.order)
			}
		})
	}
}

func TestParseDegrees(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"49.28", 49.28, true}, {"-123.1", -123.1, true}, {"+49.28", 49.28, true}, {"49,28", 49.28, true},
		{"49.28°", 49.28, true}, {"49.28 N", 49.28, true}, {"123.1W", -123.1, true}, {"33.9 S", -33.9, true},
		{"1.5e1", 15, true}, {"", 0, false}, {"NaN", 0, false}, {"Inf", 0, false}, {"1,234.5", 0, false},
		{"-49 S", 0, false}, {"1_0", 0, false}, {"unknown", 0, false},
	}
	for _, tt := range tests {
		got, _, ok := ParseDegrees(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseDegrees(%q): got %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
