package places_test

import (
	"fmt"

	"github.com/aidmap/aidmap/geocode/places"
)

func ExampleLocalities() {
	// "Langley" alone is ambiguous; the region narrows it.
	for _, p := range places.Localities("Langley", "wa", "US", 1) {
		fmt.Printf("%s, %s %s: %.3f, %.3f\n", p.Name, p.Region, p.Country, p.Lat, p.Lon)
	}
	for _, p := range places.Localities("Montreal", "", "", 1) {
		fmt.Printf("%s, %s %s (%s, population %d)\n", p.Name, p.Region, p.Country, p.Kind, p.Population)
	}
	// Output:
	// Langley, WA US: 48.040, -122.406
	// Montréal, QC CA (locality, population 1600000)
}

func ExamplePostcode() {
	if p, ok := places.Postcode("V6B 1A1", "CA"); ok {
		fmt.Printf("%s %s: %.4f, %.4f (%s)\n", p.Name, p.Region, p.Lat, p.Lon, p.Kind)
	}
	_, ok := places.Postcode("SW1A 1AA", "GB")
	fmt.Println("UK postcodes known:", ok)
	// Output:
	// V6B BC: 49.2836, -123.1041 (postal_code)
	// UK postcodes known: false
}

func ExampleSearch() {
	// What a search box suggests as someone types "vanc": accents and case do not matter.
	for _, p := range places.Search("VANC", 3) {
		fmt.Printf("%s, %s %s\n", p.Name, p.Region, p.Country)
	}
	// Output:
	// Vancouver, BC CA
	// Vancouver, WA US
	// Vancleave, MS US
}
