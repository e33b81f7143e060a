package hsds

// What the external tests (package hsds_test, which import ingest/hsds and so cannot be
// in this package) use of the unexported helpers.
var (
	RoundCoord = roundCoord
	URI        = uri
)
