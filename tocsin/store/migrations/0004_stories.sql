-- Stories: articles that tell the same story across outlets and languages (tocsin/compare/stories.py).
-- Per-article features are computed once and kept, so each ingest only compares what is new.

-- One row per article seen by the stories stage: its day (days since 1970-01-01 of the start
-- of its date, NULL if undated), date span, MinHash signature and embedding (float32 blobs),
-- and the resolved side used for coverage.
CREATE TABLE story_features (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    day        INTEGER,
    day_hi     INTEGER,
    outlet     TEXT,
    side       TEXT,
    language   TEXT,
    minhash    BLOB,
    embedding  BLOB,
    model      TEXT,
    keys       TEXT NOT NULL DEFAULT '[]',   -- JSON: blocking keys (rare entities, events)
    version    TEXT NOT NULL
);
CREATE INDEX story_features_day ON story_features (day);

-- LSH buckets of the MinHash signatures: articles sharing a band value are candidates.
CREATE TABLE story_bands (
    bucket     TEXT NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (bucket, article_id)
) WITHOUT ROWID;
CREATE INDEX story_bands_article ON story_bands (article_id);

-- Blocking keys (a rare entity, a linked event, a named episode) -> articles.
CREATE TABLE story_keys (
    key        TEXT NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    day        INTEGER,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
CREATE INDEX story_keys_article ON story_keys (article_id);

-- Embedding cache: model + hash of the embedded text -> float32 vector. Not cleared by a
-- rebuild, so only text never seen before reaches the model.
CREATE TABLE IF NOT EXISTS story_embeddings (
    key   TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    vec   BLOB NOT NULL
) WITHOUT ROWID;

-- Scored pairs at or above the edge floor (a < b); stories are average-linkage clusters of them.
CREATE TABLE story_links (
    a       TEXT NOT NULL,
    b       TEXT NOT NULL,
    score   REAL NOT NULL,
    signals TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX story_links_b ON story_links (b);

CREATE TABLE stories (
    id          TEXT PRIMARY KEY,
    title       TEXT,
    first_date  TEXT,
    last_date   TEXT,
    outlets     TEXT NOT NULL DEFAULT '[]',
    sides       TEXT NOT NULL DEFAULT '[]',
    languages   TEXT NOT NULL DEFAULT '[]',
    n_articles  INTEGER NOT NULL,
    blindspot   TEXT,            -- the only partisan side covering the story, else NULL
    data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX stories_first_date ON stories (first_date);

CREATE TABLE story_articles (
    story_id   TEXT NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (story_id, article_id)
) WITHOUT ROWID;
CREATE INDEX story_articles_article ON story_articles (article_id);
