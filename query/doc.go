// Package query owns what a question asked of the sites means: which sites match (categories,
// languages, text, open now or at a time, free, wheelchair access, status, dates,
// organisation), how the answers are ordered (text relevance, then distance, then ID) and
// paged, and what a valid question is. It is transport-free: web decodes HTTP parameters into
// a Query and encodes the answers, OGC, HSDS, exports and the SMS engine ask through it too, so
// a filter means the same everywhere.
//
// A Query runs over a *geo.Index. The filters the index can prune by (categories, languages,
// statuses, whether hours are known) become a geo.Filter; the others run as its Match
// predicate inside the best-first search, so Nearest is exact whatever the filters: a rare
// combination is found however far away it is, up to MaxRead sites read one by one. Text has
// its own index per part of the geo.Index (textindex.go): a rare word's sites are named without
// reading any, and Nearest takes the nearest of them, so it is exact and complete at any
// distance; a word no site has costs nothing.
//
// It imports the domain, geo and the text folding of geocode/addr; its layer is in
// ARCHITECTURE.md, checked by internal/archtest.
package query
