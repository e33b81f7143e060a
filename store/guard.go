package store

import "github.com/aidmap/aidmap"

// DefaultMaxRetireShare is the share of an organisation's published sites a replace may retire
// without being confirmed: more than half, or all of them, usually means the file is not the
// whole list (a cut-off export, the wrong sheet, a header-only file).
const DefaultMaxRetireShare = 0.5

// RetireError is the domain's refused upload (aidmap.RetireError).
type RetireError = aidmap.RetireError
