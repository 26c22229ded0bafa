-- Atrocity-risk warning (tocsin/warn, docs/warn.md): indicator series and alerts.
-- Written only by the corpus stage "warn"; rebuilt whole on each run (idempotent), alerts
-- keep their id (place + group + rule) and creation time as evidence grows.

-- Daily weighted independent-source counts per indicator, area (place) and group.
CREATE TABLE IF NOT EXISTS warn_series (
    indicator  TEXT NOT NULL,
    place      TEXT NOT NULL,
    grp        TEXT NOT NULL,
    day        TEXT NOT NULL,
    value      REAL NOT NULL,
    n_sources  INTEGER NOT NULL,
    n_signals  INTEGER NOT NULL,
    PRIMARY KEY (indicator, place, grp, day)
);

-- One sentence showing one indicator (the evidence alerts cite).
CREATE TABLE IF NOT EXISTS warn_signals (
    indicator   TEXT NOT NULL,
    article_id  TEXT NOT NULL,
    start       INTEGER NOT NULL,
    place       TEXT NOT NULL,
    grp         TEXT NOT NULL,
    day         TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (indicator, article_id, start)
);
CREATE INDEX IF NOT EXISTS warn_signals_day ON warn_signals (day);

CREATE TABLE IF NOT EXISTS alerts (
    id           TEXT PRIMARY KEY,
    rule         TEXT NOT NULL,
    level        TEXT NOT NULL,
    level_rank   INTEGER NOT NULL,
    indicators   TEXT NOT NULL,   -- JSON list
    place        TEXT NOT NULL,
    grp          TEXT NOT NULL,
    first_seen   TEXT,
    last_seen    TEXT,
    explanation  TEXT NOT NULL,
    evidence     TEXT NOT NULL,   -- JSON list of {source_file, line, outlet, side, sentence, ...}
    data         TEXT NOT NULL,   -- JSON: detail of the firing, risk factors, Stanton stages
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_level ON alerts (level_rank);

-- When each alert would have fired had the store been read in publication order.
CREATE TABLE IF NOT EXISTS alert_replay (
    alert_id   TEXT NOT NULL,
    day        TEXT NOT NULL,
    level      TEXT NOT NULL,
    rule       TEXT NOT NULL,
    place      TEXT NOT NULL,
    grp        TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (alert_id, day, level)
);
