-- The deployment's secret key (store.Store.DeploymentKey): it keys confidential sites' IDs and
-- area pins, so it must be the same for every process and never leave the store but in dumps.
CREATE TABLE deployment_key (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	key        BLOB    NOT NULL,
	created_at INTEGER NOT NULL
);
