-- Events linked across articles (tocsin/extract/event_store.py, corpus stage "events").
-- One row per real-world event; every article sentence that tells it is an event_mentions row.
-- Both tables are owned by the events corpus stage: it rewrites them in one transaction, so
-- readers always see a consistent linking.

CREATE TABLE IF NOT EXISTS events (
    id          TEXT PRIMARY KEY,        -- "ev-" + content hash of the member mentions
    type        TEXT NOT NULL,           -- one of the 13 gold event types
    date        TEXT,                    -- ISO, any precision (YYYY, YYYY-MM, YYYY-MM-DD)
    date_source TEXT,                    -- text | pubdate | context
    place       TEXT,                    -- canonical pack place
    lat         REAL,                    -- from the pack's place, when known
    lon         REAL,
    actor       TEXT,
    target      TEXT,
    fatalities  INTEGER,
    n_sources   INTEGER NOT NULL DEFAULT 1,  -- distinct outlets telling it
    confidence  REAL,
    first_seen  TEXT,                    -- earliest article date among its mentions
    last_seen   TEXT,                    -- latest article date among its mentions
    data        TEXT NOT NULL DEFAULT '{}'   -- JSON: named-episode key, PLOVER/CAMEO codes, sides
);
CREATE INDEX IF NOT EXISTS events_type ON events(type);
CREATE INDEX IF NOT EXISTS events_date ON events(date);
CREATE INDEX IF NOT EXISTS events_place ON events(place);

CREATE TABLE IF NOT EXISTS event_mentions (
    event_id    TEXT NOT NULL,
    article_id  TEXT NOT NULL,
    source_file TEXT,
    line        INTEGER,
    sentence    TEXT,
    quote       TEXT,
    outlet      TEXT,
    side        TEXT,                    -- the outlet's side in the pack
    type        TEXT,                    -- the type this mention was told as
    date        TEXT,
    confidence  REAL,
    data        TEXT NOT NULL DEFAULT '{}'   -- JSON: the full per-article mention, for relinking
);
CREATE INDEX IF NOT EXISTS event_mentions_event ON event_mentions(event_id);
CREATE INDEX IF NOT EXISTS event_mentions_article ON event_mentions(article_id);
