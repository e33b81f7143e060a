-- The sites a steward verified, by organisation: an upload asks once whether the organisation
-- has any (most have none), and only then reads, batch by batch, the verification it must keep
-- (store.VerificationReader). Reading it for every site of an unchanged re-upload took a
-- quarter of the upload's CPU (BENCHMARKS.md, #15).
CREATE INDEX sites_verified ON sites (organization_id) WHERE verified_at IS NOT NULL;
