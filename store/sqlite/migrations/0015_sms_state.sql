-- What answering text messages needs across processes (store.SMSState): per-number counters
-- for the rate limits, a number's last search for "more", webhook delivery IDs already
-- answered. key is a keyed hash (of a phone number or a delivery ID): no phone number and no
-- message text is ever stored. session is the caller's encoding of a search (point, needs,
-- language, place label, offset). Times are microseconds since the Unix epoch; a row whose
-- expires has passed is deleted by SweepSMS.
CREATE TABLE sms_state (
	key             BLOB PRIMARY KEY,
	hits            INTEGER NOT NULL DEFAULT 0,
	window_end      INTEGER NOT NULL DEFAULT 0,
	session         BLOB,
	session_expires INTEGER NOT NULL DEFAULT 0,
	expires         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sms_state_expires ON sms_state (expires);
