-- Routing configuration versions: what every router replica routes with — the route rules (the
-- YAML text as imported) and, per carrier, the newest rate card version it may use (its pin; the
-- carrier's active card is the newest version up to the pin whose effective_at has come). Numbered
-- 1, 2, 3… per configuration name, append-only: a rollback is a new version with an old content.
-- Written by the admin API under an advisory lock and published on sms.routing-config.v1 before
-- the commit (libs/routing/data-access-config/src/routing-config.store.ts says why).
CREATE TABLE routing_config_versions (
  name           text        NOT NULL,
  version        integer     NOT NULL CHECK (version > 0),
  routes_yaml    text        NOT NULL,
  -- {"<carrier>": <rate card version>, …}
  rate_card_pins jsonb       NOT NULL,
  -- sha256 of the routes and pins: imports of an unchanged file make no version.
  content_sha256 text        NOT NULL,
  -- import-routes, import-rate-card, rollback, bootstrap
  action         text        NOT NULL,
  -- The version a rollback copied; 0 otherwise.
  source_version integer     NOT NULL DEFAULT 0,
  created_by     text        NOT NULL DEFAULT '',
  comment        text        NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);
