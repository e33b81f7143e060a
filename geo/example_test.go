package geo_test

import (
	"fmt"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

func ExampleIndex_Nearest() {
	site := func(ext, name string, lat, lon float64, c aidmap.Category) aidmap.Site {
		return aidmap.Site{
			ID: aidmap.SiteID("example", ext), OrganizationID: "example", ExternalID: ext,
			Name: name, Lat: lat, Lon: lon, Categories: []aidmap.Category{c},
			Precision: aidmap.PrecisionExact, Status: aidmap.StatusActive,
		}
	}
	ix := geo.NewIndex([]aidmap.Site{
		site("1", "Demo: Hastings Community Kitchen", 49.2811, -123.0995, aidmap.CategoryCommunityKitchen),
		site("2", "Demo: Main Street Food Bank", 49.2790, -123.1000, aidmap.CategoryFoodBank),
		site("3", "Demo: Kitsilano Drop-In Centre", 49.2680, -123.1680, aidmap.CategoryDropIn),
	}, 1)

	// The two nearest food sites to Main and Hastings.
	food := geo.Filter{Categories: aidmap.NewCategorySet(aidmap.CategoryFoodBank, aidmap.CategoryCommunityKitchen)}
	for _, h := range ix.Nearest(49.2810, -123.0990, 2, food) {
		fmt.Printf("%s: %.0f m\n", h.Site().Name, h.DistanceM)
	}
	// Output:
	// Demo: Hastings Community Kitchen: 38 m
	// Demo: Main Street Food Bank: 234 m
}
