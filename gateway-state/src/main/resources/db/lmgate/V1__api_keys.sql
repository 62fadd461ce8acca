-- API keys every replica authenticates from (docs/scaling.md). A change bumps the row's version
-- from one sequence, so a replica fetches what changed since the version it holds; a key removed
-- from the store stays as a tombstone, so that its removal reaches every replica too.
CREATE SEQUENCE lmgate_api_key_versions;

CREATE TABLE lmgate_api_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  owner       text NOT NULL,
  roles       text[] NOT NULL,
  scopes      text[] NOT NULL,
  created     timestamptz NOT NULL,
  expires     timestamptz,
  revoked     timestamptz,
  replaced_by text,
  salt        text NOT NULL,
  hash        text NOT NULL,
  deleted     boolean NOT NULL DEFAULT false,
  version     bigint NOT NULL
);

CREATE INDEX lmgate_api_keys_by_version ON lmgate_api_keys (version);
