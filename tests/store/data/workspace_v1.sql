-- A workspace in layout version 1 (the first layout), as camp wrote it: built with
-- exactly the v1 DDL of camp/store/sqlite.py (frozen here), with a finished run whose
-- lead 1 waits in campaign Drip (program migrate.camp) and lead 2 imported since.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE leads (id INTEGER PRIMARY KEY, email_key TEXT, data TEXT NOT NULL);
CREATE INDEX leads_email ON leads (email_key);
CREATE TABLE list_members (
  list_key TEXT NOT NULL, lead_id INTEGER NOT NULL, PRIMARY KEY (list_key, lead_id)
) WITHOUT ROWID;
CREATE INDEX list_members_lead ON list_members (lead_id);
CREATE TABLE program_members (
  lead_id INTEGER NOT NULL, program TEXT NOT NULL, status TEXT NOT NULL,
  PRIMARY KEY (lead_id, program)
) WITHOUT ROWID;
CREATE TABLE campaign_runs (
  lead_id INTEGER NOT NULL, campaign TEXT NOT NULL, last_run TEXT NOT NULL,
  PRIMARY KEY (lead_id, campaign)
) WITHOUT ROWID;
CREATE TABLE activities (
  seq INTEGER PRIMARY KEY, lead_id INTEGER NOT NULL, time TEXT NOT NULL,
  type TEXT NOT NULL, campaign TEXT NOT NULL, attrs TEXT NOT NULL
);
CREATE INDEX activities_lead ON activities (lead_id);
CREATE TABLE queue (
  seq INTEGER PRIMARY KEY, time TEXT, kind TEXT NOT NULL, lead_id INTEGER NOT NULL,
  campaign TEXT, trigger TEXT NOT NULL DEFAULT '', position TEXT, payload TEXT
);
CREATE INDEX queue_due ON queue (time, seq);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, program TEXT NOT NULL, options TEXT NOT NULL,
  start TEXT NOT NULL, until TEXT, status TEXT NOT NULL, phase INTEGER NOT NULL,
  cursor INTEGER NOT NULL, stats TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('format', 'camp-workspace');

INSERT INTO meta (key, value) VALUES ('clock', '2026-12-01T12:00:00');
INSERT INTO meta (key, value) VALUES ('seq', '5');
INSERT INTO leads VALUES (1, 'ana@example.com', '["email","Ana@Example.com","score",5,"joined",{"d":"2026-11-30"},"unsubscribed",false]');
INSERT INTO leads VALUES (2, 'bo@example.com', '["email","bo@example.com","city","Oslo","unsubscribed",false]');
INSERT INTO list_members VALUES ('vip', 1);
INSERT INTO program_members VALUES (1, 'Drips', 'Started');
INSERT INTO campaign_runs VALUES (1, 'Drip', '2026-12-01T00:00:00');
INSERT INTO activities VALUES (1, 1, '2026-12-01T00:00:00', 'Campaign Run', 'Drip', '{"trigger":"batch"}');
INSERT INTO activities VALUES (2, 1, '2026-12-01T00:00:00', 'Send Email', 'Drip', '{"email":"One"}');
INSERT INTO activities VALUES (3, 1, '2026-12-01T00:00:00', 'Add to List', 'Drip', '{"list":"VIP"}');
INSERT INTO activities VALUES (4, 1, '2026-12-01T00:00:00', 'Change Program Status', 'Drip', '{"program":"Drips","old":null,"new":"Started","applied":true}');
INSERT INTO activities VALUES (5, 1, '2026-12-01T00:00:00', 'Wait', 'Drip', '{"until":"2026-12-02T00:00:00"}');
INSERT INTO queue VALUES (4, '2026-12-02T00:00:00', 'resume', 1, 'Drip', '', '[[5]]', NULL);
INSERT INTO queue VALUES (5, NULL, 'created', 2, NULL, 'created', NULL, NULL);
INSERT INTO runs VALUES (1, 'migrate.camp', '{"campaign": "Drip", "start": "2026-12-01T00:00:00", "until": "2026-12-01T12:00:00"}', '2026-12-01T00:00:00', '2026-12-01T12:00:00', 'done', 2, 0, '{"flows": 1, "steps": 5, "activities": 5, "errors": 0, "by_type": {}, "emails": {"One": 1}}');
PRAGMA user_version = 1;
