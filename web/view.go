package web

import (
	"fmt"
	"strconv"
	"strings"
)

// View is a map view: a centre in WGS84 degrees and a zoom level.
type View struct {
	Lat, Lon, Zoom float64
}

// ParseView reads "LAT,LON,ZOOM" ("49.2827,-123.1207,12"); the zoom may be left out (12).
func ParseView(s string) (View, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 && len(parts) != 3 {
		return View{}, fmt.Errorf("view %q: want LAT,LON or LAT,LON,ZOOM, such as 49.2827,-123.1207,12", s)
	}
	var v [3]float64
	v[2] = 12
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return View{}, fmt.Errorf("view %q: %q is not a number", s, p)
		}
		v[i] = f
	}
	switch {
	case v[0] < -90 || v[0] > 90:
		return View{}, fmt.Errorf("view %q: latitude must be between -90 and 90", s)
	case v[1] < -180 || v[1] > 180:
		return View{}, fmt.Errorf("view %q: longitude must be between -180 and 180", s)
	case v[2] < 0 || v[2] > 22:
		return View{}, fmt.Errorf("view %q: zoom must be between 0 and 22", s)
	}
	return View{Lat: v[0], Lon: v[1], Zoom: v[2]}, nil
}
