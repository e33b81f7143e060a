package aidmap

// AddressPoint is one located address from open address data (OpenAddresses, OpenStreetMap):
// the raw material of the embedded geocoder. Fields hold the values as the source wrote them;
// the geocoder normalises them when it builds its index.
type AddressPoint struct {
	Lon, Lat float64 // WGS84 degrees
	Number   string  // house number as written: "5171", "221A", "12-14"
	Unit     string  // unit, suite or apartment, when the source has one
	Street   string  // street name as written: "West 4th Avenue"
	Locality string  // city, town or neighbourhood
	Region   string  // province or state: "BC", "Ontario"
	Postcode string  // postal code as written: "V6B 1A1"
	Country  string  // ISO 3166-1 alpha-2, upper case ("CA"), or empty when unknown
}
