package demo

import (
	"math"
	"strconv"
	"time"

	"github.com/aidmap/aidmap"
)

// city is a centre of the worldwide test data.
type city struct {
	name     string
	lat, lon float64 // WGS84 degrees
	pop      float64 // rough metro population in millions: the share of sites
	country  string  // ISO 3166-1 alpha-2
	calling  string  // country calling code
	tz       string  // IANA time zone
}

// cities are real centres, weighted by rough population. The list deliberately includes places
// that break naive spatial code: across the antimeridian (Suva, Anadyr, Apia, Nuku'alofa), at
// high latitude (Longyearbyen, Tromsø, Murmansk, Reykjavik, Anchorage) and far south.
var cities = []city{
	{"Tokyo", 35.68, 139.69, 37, "JP", "81", "Asia/Tokyo"},
	{"Delhi", 28.61, 77.21, 32, "IN", "91", "Asia/Kolkata"},
	{"Shanghai", 31.23, 121.47, 29, "CN", "86", "Asia/Shanghai"},
	{"Dhaka", 23.81, 90.41, 23, "BD", "880", "Asia/Dhaka"},
	{"São Paulo", -23.55, -46.63, 22, "BR", "55", "America/Sao_Paulo"},
	{"Cairo", 30.04, 31.24, 22, "EG", "20", "Africa/Cairo"},
	{"Mexico City", 19.43, -99.13, 22, "MX", "52", "America/Mexico_City"},
	{"Beijing", 39.90, 116.41, 21, "CN", "86", "Asia/Shanghai"},
	{"Mumbai", 19.08, 72.88, 21, "IN", "91", "Asia/Kolkata"},
	{"Osaka", 34.69, 135.50, 19, "JP", "81", "Asia/Tokyo"},
	{"New York", 40.71, -74.01, 19, "US", "1", "America/New_York"},
	{"Karachi", 24.86, 67.01, 17, "PK", "92", "Asia/Karachi"},
	{"Istanbul", 41.01, 28.98, 16, "TR", "90", "Europe/Istanbul"},
	{"Buenos Aires", -34.60, -58.38, 15, "AR", "54", "America/Argentina/Buenos_Aires"},
	{"Kolkata", 22.57, 88.36, 15, "IN", "91", "Asia/Kolkata"},
	{"Lagos", 6.52, 3.38, 15, "NG", "234", "Africa/Lagos"},
	{"Kinshasa", -4.44, 15.27, 15, "CD", "243", "Africa/Kinshasa"},
	{"Manila", 14.60, 120.98, 14, "PH", "63", "Asia/Manila"},
	{"Guangzhou", 23.13, 113.26, 14, "CN", "86", "Asia/Shanghai"},
	{"Rio de Janeiro", -22.91, -43.17, 13, "BR", "55", "America/Sao_Paulo"},
	{"Lahore", 31.55, 74.34, 13, "PK", "92", "Asia/Karachi"},
	{"Moscow", 55.76, 37.62, 12.6, "RU", "7", "Europe/Moscow"},
	{"Los Angeles", 34.05, -118.24, 12, "US", "1", "America/Los_Angeles"},
	{"Bengaluru", 12.97, 77.59, 12, "IN", "91", "Asia/Kolkata"},
	{"Paris", 48.86, 2.35, 11, "FR", "33", "Europe/Paris"},
	{"Bogotá", 4.71, -74.07, 11, "CO", "57", "America/Bogota"},
	{"Jakarta", -6.21, 106.85, 11, "ID", "62", "Asia/Jakarta"},
	{"Lima", -12.05, -77.04, 11, "PE", "51", "America/Lima"},
	{"Bangkok", 13.76, 100.50, 11, "TH", "66", "Asia/Bangkok"},
	{"Seoul", 37.57, 126.98, 10, "KR", "82", "Asia/Seoul"},
	{"London", 51.51, -0.13, 9.5, "GB", "44", "Europe/London"},
	{"Tehran", 35.69, 51.39, 9.5, "IR", "98", "Asia/Tehran"},
	{"Chicago", 41.88, -87.63, 9, "US", "1", "America/Chicago"},
	{"Ho Chi Minh City", 10.82, 106.63, 9, "VN", "84", "Asia/Ho_Chi_Minh"},
	{"Riyadh", 24.71, 46.68, 7.5, "SA", "966", "Asia/Riyadh"},
	{"Santiago", -33.45, -70.67, 6.9, "CL", "56", "America/Santiago"},
	{"Madrid", 40.42, -3.70, 6.7, "ES", "34", "Europe/Madrid"},
	{"Toronto", 43.65, -79.38, 6.3, "CA", "1", "America/Toronto"},
	{"Johannesburg", -26.20, 28.05, 6, "ZA", "27", "Africa/Johannesburg"},
	{"Singapore", 1.35, 103.82, 6, "SG", "65", "Asia/Singapore"},
	{"Sydney", -33.87, 151.21, 5.3, "AU", "61", "Australia/Sydney"},
	{"Melbourne", -37.81, 144.96, 5.1, "AU", "61", "Australia/Melbourne"},
	{"Nairobi", -1.29, 36.82, 5, "KE", "254", "Africa/Nairobi"},
	{"Addis Ababa", 9.03, 38.74, 5, "ET", "251", "Africa/Addis_Ababa"},
	{"Cape Town", -33.92, 18.42, 4.7, "ZA", "27", "Africa/Johannesburg"},
	{"Berlin", 52.52, 13.40, 4.5, "DE", "49", "Europe/Berlin"},
	{"Montréal", 45.50, -73.57, 4.3, "CA", "1", "America/Toronto"},
	{"Rome", 41.90, 12.50, 4.3, "IT", "39", "Europe/Rome"},
	{"Accra", 5.60, -0.19, 4, "GH", "233", "Africa/Accra"},
	{"Dubai", 25.20, 55.27, 3.5, "AE", "971", "Asia/Dubai"},
	{"Dakar", 14.72, -17.47, 3.5, "SN", "221", "Africa/Dakar"},
	{"Kyiv", 50.45, 30.52, 3, "UA", "380", "Europe/Kyiv"},
	{"Warsaw", 52.23, 21.01, 3, "PL", "48", "Europe/Warsaw"},
	{"Vancouver", 49.28, -123.12, 2.6, "CA", "1", "America/Vancouver"},
	{"Auckland", -36.85, 174.76, 1.7, "NZ", "64", "Pacific/Auckland"},
	{"Honolulu", 21.31, -157.86, 1, "US", "1", "Pacific/Honolulu"},
	{"Suva", -18.14, 178.44, 0.4, "FJ", "679", "Pacific/Fiji"},
	{"Anchorage", 61.22, -149.90, 0.4, "US", "1", "America/Anchorage"},
	{"Murmansk", 68.97, 33.08, 0.3, "RU", "7", "Europe/Moscow"},
	{"Reykjavík", 64.15, -21.94, 0.25, "IS", "354", "Atlantic/Reykjavik"},
	{"Hobart", -42.88, 147.33, 0.25, "AU", "61", "Australia/Hobart"},
	{"Petropavlovsk-Kamchatsky", 53.02, 158.65, 0.2, "RU", "7", "Asia/Kamchatka"},
	{"Tromsø", 69.65, 18.96, 0.1, "NO", "47", "Europe/Oslo"},
	{"Ushuaia", -54.80, -68.30, 0.1, "AR", "54", "America/Argentina/Ushuaia"},
	{"Apia", -13.83, -171.76, 0.1, "WS", "685", "Pacific/Apia"},
	{"Nuku'alofa", -21.14, -175.20, 0.1, "TO", "676", "Pacific/Tongatapu"},
	{"Anadyr", 64.73, 177.51, 0.05, "RU", "7", "Asia/Anadyr"},
	{"Longyearbyen", 78.22, 15.65, 0.05, "NO", "47", "Arctic/Longyearbyen"},
}

var cityCum = cumulative(len(cities), func(i int) float64 { return cities[i].pop })

var worldStreets = []string{
	"Main Street", "High Street", "Station Road", "Market Street", "Church Road", "Park Avenue",
	"River Road", "Mill Lane", "Harbour Road", "Hospital Road", "School Street", "Bridge Street",
}

// worldNames[c] are names for category index c (categoryWeights order), city by city.
var worldNames = func() [][]string {
	out := make([][]string, len(categoryWeights))
	for i, cw := range categoryWeights {
		for _, c := range cities {
			for _, noun := range categoryNoun[cw.c] {
				out[i] = append(out[i], "Demo: "+c.name+" "+noun)
			}
		}
	}
	return out
}()

// ruralNames[c] are names of background sites for category index c.
var ruralNames = func() [][]string {
	out := make([][]string, len(categoryWeights))
	for i, cw := range categoryWeights {
		for _, noun := range categoryNoun[cw.c] {
			out[i] = append(out[i], "Demo: Rural "+noun)
		}
	}
	return out
}()

// World returns n sites spread like real services worldwide, for tests and benchmarks: dense
// clusters around about seventy real city centres, weighted by rough population, plus about 10%
// sparse background uniform over the inhabited latitudes. Sites carry a name, address,
// categories, phone and status, and hours for about a fifth of them; fewer fields than Sites so
// that a million fit in memory. They are owned by the "bench" organisation. The same (n, seed)
// always gives the same sites.
//
// Names and other strings are shared between sites; slices are not.
func World(n int, seed uint64) []aidmap.Site {
	r := newRand(seed)
	base := baseTime(seed)
	sites := make([]aidmap.Site, n)
	cats := make([]aidmap.Category, 0, n*2)
	var periods []aidmap.Period
	sinLo, sinHi := math.Sin(-56*math.Pi/180), math.Sin(72*math.Pi/180)
	for i := range sites {
		ci := weighted(r, cityCum)
		c := &cities[ci]
		var lat, lon float64
		rural := r.IntN(10) == 0
		if rural {
			// Uniform by area between 56°S and 72°N.
			lat = math.Asin(sinLo+r.Float64()*(sinHi-sinLo)) * 180 / math.Pi
			lon = r.Float64()*360 - 180
		} else {
			// A dense core and wider suburbs, both growing with the city.
			// A dense core (sigma 1.4 km × √pop: a 2 km circle in a big city's core holds a few
			// hundred services, as real downtowns do) and suburbs of 6.6 km × √pop.
			sigma := 1.4 * math.Sqrt(math.Max(c.pop, 0.3))
			if r.IntN(3) == 0 {
				sigma = 6.6 * math.Sqrt(math.Max(c.pop, 0.3))
			}
			lat, lon = offset(r, c.lat, c.lon, sigma)
		}
		s := &sites[i]
		s.OrganizationID = BenchOrganizationID
		s.ExternalID = externalID("bench", i+1)
		s.ID = aidmap.SiteID(s.OrganizationID, s.ExternalID)
		s.Lat, s.Lon = round7(lat), round7(lon)

		if cap(cats)-len(cats) < 3 {
			cats = make([]aidmap.Category, 0, 4096)
		}
		start := len(cats)
		cats = categories(r, cats)
		s.Categories = cats[start:len(cats):len(cats)]

		first := 0
		for k, cw := range categoryWeights {
			if cw.c == s.Categories[0] {
				first = k
				break
			}
		}
		names := worldNames[first]
		nouns := len(categoryNoun[s.Categories[0]])
		if rural {
			s.Name = ruralNames[first][r.IntN(nouns)]
			s.Address = aidmap.Address{Street: "Rural Route " + strconv.Itoa(1+r.IntN(40))}
		} else {
			s.Name = names[ci*nouns+r.IntN(nouns)]
			s.Address = aidmap.Address{
				Street:   strconv.Itoa(1+r.IntN(2000)) + " " + worldStreets[r.IntN(len(worldStreets))],
				Locality: c.name,
				Country:  c.country,
			}
		}
		s.Phone = "+" + c.calling + " 555-01" + twoDigits(r.IntN(100))
		s.Precision = aidmap.PrecisionExact
		if r.IntN(10) == 0 {
			s.Precision = aidmap.PrecisionAddress
		}
		s.Status = aidmap.StatusActive
		switch r.IntN(50) {
		case 0:
			s.Status = aidmap.StatusTemporarilyClosed
		case 1:
			s.Status = aidmap.StatusClosed
		}
		s.Confidential = s.Categories[0] == aidmap.CategoryShelter && r.IntN(10) == 0
		if r.IntN(5) == 0 && !rural {
			h := hours(r, s.Categories[0], c.tz)
			if len(h.Weekly) > 0 && len(periods)+len(h.Weekly) > cap(periods) {
				periods = make([]aidmap.Period, 0, 4096)
			}
			if len(h.Weekly) > 0 {
				// Copy into a shared backing array: a million sites, fewer allocations.
				start := len(periods)
				periods = append(periods, h.Weekly...)
				h.Weekly = periods[start:len(periods):len(periods)]
			}
			s.Hours = h
		}
		s.UpdatedAt = base.Add(-time.Duration(r.IntN(300*24*60)) * time.Minute)
	}
	return sites
}
