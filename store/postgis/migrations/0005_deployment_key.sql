-- The deployment's secret key (store.Store.DeploymentKey): it keys confidential sites' IDs and
-- area pins, so it must be the same for every replica and never leave the store but in dumps.
CREATE TABLE deployment_key (
	id         integer     PRIMARY KEY CHECK (id = 1),
	key        bytea       NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
