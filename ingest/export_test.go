package ingest

// Internals the external tests (package ingest_test, which read files through the reader
// packages and so cannot be inside ingest) check.
const UploadBatch = uploadBatch

var (
	LooksLikeOSM = looksLikeOSM
	DerivedID    = derivedID
	OneLine      = oneLine
)
