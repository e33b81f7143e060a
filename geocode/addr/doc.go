// Package addr parses and normalises postal addresses written by people (English and French,
// North American and British forms) into the keys the geocoder matches on. It has no data
// and no I/O; it imports only the standard library and golang.org/x/text.
//
// The embedded geocoder stores each gazetteer point under FromPoint(...).Street and looks a
// query up under Parse(query).Street, so the one rule that matters is that the same street
// gives the same key however it is written. The choices made for that:
//
//   - Keys are folded (lower case, no accents, punctuation as spaces) words.
//   - Street types and directionals take their short English forms ("ave", "blvd", "w");
//     French directionals too ("Ouest" → "w"), so "rue Sainte-Catherine Ouest" and "St.
//     Catherine St. W." meet.
//   - A French type written before the name moves after it in English ("rue Saint-Denis" →
//     "st denis st", "chemin de la Côte-des-Neiges" → "cote des neiges rd"), and the
//     articles that open a name go ("de la", "du", "des", "l'").
//   - A directional keeps its side of the name: "W 4th Ave" ("w 4 ave") and "4th Ave W"
//     ("4 ave w") are different streets in some cities. Undirected gives the key without
//     it, for a second look-up.
//   - In street keys every saint (St, Ste, Saint, Sainte) is "st"; in locality keys it is
//     "saint" ("St. John's" → "saint johns"). The gender of a saint is not worth a miss.
//   - Ordinals are numbers: "First", "1st", "1er", "1re", "Premier" → "1".
//   - Units, PO boxes, floors and rural routes are taken out before the street is read; a
//     PO box is kept in Parsed.POBox and never used as a location.
//
// Everything here is on the hot path (Parse runs for every query and every ingest row), so
// it works on a hand-written tokenizer and small maps rather than regular expressions and
// keeps its working memory on the stack: see BenchmarkParse.
package addr
