-- Claims in the store and the links between them (tocsin/compare/contradictions.py,
-- corpus stage "claims"). One row per figure the claims extractor found in an article; links
-- pair two claims about the same quantity that agree (same_as) or disagree (contradicts).
-- The stage rewrites an article's rows when the article is (re)processed, so re-running it
-- gives the same rows; links are stored once per pair with a < b.

CREATE TABLE IF NOT EXISTS claims (
    id            TEXT PRIMARY KEY,     -- content hash of article id, line, offset, quantity
    article_id    TEXT NOT NULL,
    source_file   TEXT,
    line          INTEGER,
    quantity      REAL,
    quantity_max  REAL,                 -- upper end of a range ("300-400 soldiers")
    unit          TEXT,
    what          TEXT,                 -- the extractor's counted phrase
    what_key      TEXT,                 -- normalised: category/group/unit/people/places
    bucket        TEXT,                 -- category|group|unit class: only these are compared
    hedge         TEXT,
    attributed_to TEXT,
    outlet        TEXT,
    side          TEXT,                 -- the outlet's side in the pack
    date          TEXT,                 -- the article's date
    sentence      TEXT,
    quote         TEXT,
    data          TEXT NOT NULL DEFAULT '{}'  -- JSON: places, years, people, start
);
CREATE INDEX IF NOT EXISTS claims_article ON claims(article_id);
CREATE INDEX IF NOT EXISTS claims_bucket ON claims(bucket);
CREATE INDEX IF NOT EXISTS claims_file_line ON claims(source_file, line);

CREATE TABLE IF NOT EXISTS claim_links (
    a         TEXT NOT NULL,
    b         TEXT NOT NULL,
    relation  TEXT NOT NULL CHECK (relation IN ('same_as', 'contradicts')),
    reason    TEXT,
    PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS claim_links_b ON claim_links(b);
CREATE INDEX IF NOT EXISTS claim_links_relation ON claim_links(relation);
