package store

import "github.com/aidmap/aidmap"

// Verification and VerificationReader are the domain's (aidmap.Verification,
// aidmap.VerificationReader), so that ingest can ask an upload without importing store.
type (
	Verification       = aidmap.Verification
	VerificationReader = aidmap.VerificationReader
)
