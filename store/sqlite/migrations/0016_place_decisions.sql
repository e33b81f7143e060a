-- Stewards' decisions on place links (#19, store.PlaceDecisions): two sites (site_a < site_b,
-- site IDs, which are stable across re-uploads: a UUIDv5 of organisation and external ID) are
-- one place ('confirmed') or never one place ('split'). No foreign key to sites: a decision
-- outlives a site retired and uploaded again. organization_id and token_id say who decided;
-- decided_at is microseconds since the Unix epoch.
CREATE TABLE place_decisions (
	site_a          TEXT NOT NULL,
	site_b          TEXT NOT NULL,
	decision        TEXT NOT NULL CHECK (decision IN ('confirmed', 'split')),
	organization_id TEXT NOT NULL,
	token_id        TEXT NOT NULL DEFAULT '',
	decided_at      INTEGER NOT NULL,
	PRIMARY KEY (site_a, site_b),
	CHECK (site_a < site_b)
) STRICT, WITHOUT ROWID;
CREATE INDEX place_decisions_b ON place_decisions (site_b);
