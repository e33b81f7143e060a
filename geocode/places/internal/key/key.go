// Package key is how the places gazetteer compares names and regions, in one place because
// two programs depend on it agreeing: the places package indexes by it, and the generator
// writes the data file in its order so that loading finds the index already sorted.
// Changing it is safe (places re-sorts what is out of order) but slows loading until the
// data is regenerated; places' TestDataInIndexOrder says when.
package key

import "github.com/aidmap/aidmap/geocode/addr"

// Name is the key of a place name: addr.Locality, which folds case and accents, writes "St."
// and "Ste" as "saint" and drops "City of", applied alike to the data and the query.
func Name(s string) string { return addr.Locality(s) }

// Region is the key of a region: addr.Region, so "Quebec", "Québec" and "QC" all match "QC".
func Region(s string) string { return addr.Region(s) }
