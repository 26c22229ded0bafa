-- tocsin store schema, version 1.
-- Migrations are applied in order by tocsin/store/db.py, each in one transaction, and
-- recorded in schema_migrations. Never edit an applied migration: add NNNN_name.sql.

CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
);

-- Input files, keyed by the sha256 of their bytes, so an interrupted ingest resumes:
-- "done" files are skipped, "started" ones are re-read and their articles dedupe.
CREATE TABLE files (
    sha256      TEXT PRIMARY KEY,
    path        TEXT NOT NULL,
    name        TEXT NOT NULL,
    size        INTEGER,
    status      TEXT NOT NULL CHECK (status IN ('started', 'done', 'failed')),
    n_articles  INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 1,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);

-- One row per distinct article (id = Article.id, a content hash). The explicit INTEGER
-- PRIMARY KEY keeps rowids stable across VACUUM, which the external-content FTS index needs.
CREATE TABLE articles (
    pk             INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    source_file    TEXT NOT NULL,
    source_path    TEXT NOT NULL,
    format         TEXT,
    start_line     INTEGER,
    end_line       INTEGER,
    byte_start     INTEGER,
    byte_end       INTEGER,
    title          TEXT,
    title_line     INTEGER,
    outlet         TEXT,
    date           TEXT,
    date_inferred  INTEGER NOT NULL DEFAULT 0,
    dateline_place TEXT,
    author         TEXT,
    language       TEXT,
    url            TEXT,
    text           TEXT NOT NULL DEFAULT '',
    topic          TEXT,
    perspective    TEXT,
    doc_id         TEXT,
    file_hash      TEXT,
    extra          TEXT NOT NULL DEFAULT '{}',  -- JSON: sentences, body_lines, annotations, ...
    added_at       TEXT NOT NULL,
    -- A partial date (YYYY or YYYY-MM) is an interval; keep its bounds so range filters
    -- can ask "does the article's date overlap the requested range".
    date_lo TEXT GENERATED ALWAYS AS (
        CASE WHEN date IS NULL THEN NULL ELSE substr(date || '-01-01', 1, 10) END) STORED,
    date_hi TEXT GENERATED ALWAYS AS (
        CASE length(date) WHEN 4 THEN date || '-12-31' WHEN 7 THEN date || '-31'
             ELSE substr(date, 1, 10) END) STORED
);
CREATE INDEX articles_order ON articles (source_file, ifnull(start_line, -1), pk);
CREATE INDEX articles_date ON articles (date_lo, date_hi);
CREATE INDEX articles_language ON articles (language);

-- Every place an article was seen, so the provenance of duplicates is kept.
CREATE TABLE sightings (
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    source_file TEXT NOT NULL,
    source_path TEXT NOT NULL,
    start_line  INTEGER,
    end_line    INTEGER,
    byte_start  INTEGER,
    byte_end    INTEGER,
    file_sha256 TEXT NOT NULL DEFAULT '',
    seen_at     TEXT NOT NULL
);
-- NULLs are distinct in UNIQUE constraints; ifnull() makes a re-seen sighting collide.
CREATE UNIQUE INDEX sightings_unique ON sightings (
    article_id, source_path, ifnull(start_line, -1), ifnull(byte_start, -1), file_sha256);
CREATE INDEX sightings_file ON sightings (file_sha256);

CREATE TABLE errors (
    id      INTEGER PRIMARY KEY,
    file    TEXT NOT NULL,
    line    INTEGER,
    code    TEXT NOT NULL,
    message TEXT NOT NULL,
    time    TEXT NOT NULL
);
CREATE INDEX errors_file ON errors (file);

-- Full-text index over title and body; external content, kept in sync by triggers.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, text,
    content = 'articles', content_rowid = 'pk',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.pk, new.title, new.text);
END;

CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.pk, old.title, old.text);
END;

CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
    VALUES ('delete', old.pk, old.title, old.text);
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.pk, new.title, new.text);
END;
