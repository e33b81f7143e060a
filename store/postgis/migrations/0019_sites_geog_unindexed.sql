-- sites.geog keeps no GiST index. aidmap never queries sites spatially in SQL: every read is
-- answered by the in-memory index, and the store only writes sites and feeds their changes.
-- The index was the largest part of a site's write: of the 18.0 s of server CPU that an
-- upload's merge of a million new sites took, 8.0 s were the geography GiST (a GiST on
-- geog::geometry instead: 3.8 s; BENCHMARKS-ingest.md, #14). The column stays, so an operator
-- who wants spatial SQL on the table creates the index they need, without a lock on writes:
--   CREATE INDEX CONCURRENTLY sites_geog ON sites USING gist (geog);
DROP INDEX IF EXISTS sites_geog;
