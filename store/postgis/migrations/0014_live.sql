-- Live data of sites (#16): capacities ("3 beds free") and, per distinct reporter, the latest
-- open "closed" report. live is the binary form of a site holding only those (aidmap.Site
-- Capacity and ClosedReports, format version 2), NULL when it has none. It is not content: not
-- in doc or hash, never written by uploads; a change to it gives the site a new version so the
-- change feed carries it.
ALTER TABLE sites ADD COLUMN live bytea;

-- A keyed hash telling one person's reports about one site apart (store.Report.Reporter), kept
-- only on open "closed" reports where the deployment counts them; '' otherwise.
ALTER TABLE reports ADD COLUMN reporter text NOT NULL DEFAULT '';

-- Who set which capacity when (store.CapacityChange): an audit trail lighter than the history
-- of uploads, one small row per tap. available is -1 for a unit taken off.
CREATE TABLE capacity_log (
	site_id   text COLLATE "C" NOT NULL,
	unit      text NOT NULL,
	available integer NOT NULL,
	maximum   integer NOT NULL,
	at        timestamptz NOT NULL,
	by        text NOT NULL
);
CREATE INDEX capacity_log_site ON capacity_log (site_id, at);
