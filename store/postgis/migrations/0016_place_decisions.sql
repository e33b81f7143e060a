-- Stewards' decisions on place links (#19, store.PlaceDecisions): two sites (site_a < site_b,
-- site IDs, which are stable across re-uploads: a UUIDv5 of organisation and external ID) are
-- one place ('confirmed') or never one place ('split'). No foreign key to sites: a decision
-- outlives a site retired and uploaded again. organization_id and token_id say who decided.
CREATE TABLE place_decisions (
	site_a          text COLLATE "C" NOT NULL,
	site_b          text COLLATE "C" NOT NULL,
	decision        text NOT NULL CHECK (decision IN ('confirmed', 'split')),
	organization_id text NOT NULL,
	token_id        text NOT NULL DEFAULT '',
	decided_at      timestamptz NOT NULL,
	PRIMARY KEY (site_a, site_b),
	CHECK (site_a < site_b)
);
CREATE INDEX place_decisions_b ON place_decisions (site_b);
