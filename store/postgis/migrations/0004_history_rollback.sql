-- rollback_of names the upload a history entry's upload undid (store.Rollback), so a rollback
-- can tell changes that were themselves undone from later work it must not overwrite.
ALTER TABLE history ADD COLUMN rollback_of text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX history_rollback_of ON history (rollback_of) WHERE rollback_of <> '';
