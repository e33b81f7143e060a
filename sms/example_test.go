package sms_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/sms"
	"github.com/aidmap/aidmap/tz"
)

func ExampleEngine_Answer() {
	p := demo.Publisher()
	p.Zone = tz.Find
	ix := geo.NewIndex(p.PublicSites(demo.Sites(300, 1)), 1)
	e := sms.New(sms.Config{Index: func() *geo.Index { return ix }, Geocoder: geocode.NewEmbedded(nil),
		Now: func() time.Time { return time.Date(2026, 3, 10, 21, 30, 0, 0, time.UTC) }})
	r := e.Answer(context.Background(), "+16045550100", "food V6A 2K5")
	fmt.Println(r.Text)
	fmt.Println(r.Encoding, r.Segments)
	// Output:
	// Near V6A, BC:
	// 1. Demo: Granville Pantry, <2km, opens Wed 10:00, +1 604-555-0158
	// 2. Demo: East Hastings Community Kitchen, <2km, today 17:00-19:00, +1 604-555-0124
	// 3. Demo: Hastings Community Meals, <2km, open until 15:30, +1 604-555-0141
	// MORE for 3 more
	// GSM-7 2
}
