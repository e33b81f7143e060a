-- The file of a queued upload is written once and read once, by the replica that runs it, then
-- deleted: stored out of line uncompressed (EXTERNAL) rather than compressed (EXTENDED, the
-- default). Compressing a 62 MB CSV (a million rows) took about twice as long as storing it,
-- and reading it back decompressed it again; the bytes kept for the few minutes an upload
-- waits cost nothing. It applies to files stored from now on. A database already past this
-- version (migrations are applied by number) keeps compressing, which is only slower.
ALTER TABLE upload_files ALTER COLUMN body SET STORAGE EXTERNAL;
