-- What answering text messages needs across replicas (store.SMSState): per-number counters
-- for the rate limits, a number's last search for "more", webhook delivery IDs already
-- answered. key is a keyed hash (of a phone number or a delivery ID): no phone number and no
-- message text is ever stored. session is the caller's encoding of a search (point, needs,
-- language, place label, offset). A row whose expires has passed is deleted by SweepSMS.
CREATE TABLE sms_state (
	key             bytea PRIMARY KEY,
	hits            integer NOT NULL DEFAULT 0,
	window_end      timestamptz NOT NULL DEFAULT '-infinity',
	session         bytea,
	session_expires timestamptz NOT NULL DEFAULT '-infinity',
	expires         timestamptz NOT NULL
);
CREATE INDEX sms_state_expires ON sms_state (expires);
