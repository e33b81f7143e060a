-- history_site serves one query: ChangedLater (a rollback's conflict check), which looks up the
-- entries of a site that come after the rolled-back upload's. A site's entry without a before
-- image (before IS NULL) is its creation, and a creation is always a site's first entry: sites
-- are never deleted, only retired, so every later change finds the site stored and records
-- its before image. The look-up therefore never needs a creation, and the index leaves them
-- out. An organisation's first upload, usually its largest, writes only creations: indexing
-- their random site IDs was a random B-tree insert per site, on SQLite about 10 s of the
-- writer's 30 s for a million new sites (BENCHMARKS.md, #14). History's own site filter
-- does not use this index (it walks history_organization).
DROP INDEX history_site;
CREATE INDEX history_site ON history (site_id, id) WHERE before IS NOT NULL;
