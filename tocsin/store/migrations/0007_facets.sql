-- Search facets that live inside the annotations JSON (entity names, event types), kept as rows
-- so a facet over thousands of matches reads a few index entries per article instead of
-- parsing every matched article's annotations. Triggers keep it in step with `articles`, as
-- the FTS table is kept, so no writer has to remember it. Items that are not objects with a
-- text name/type are skipped (CASE: json_type must never see a non-JSON value).
CREATE TABLE IF NOT EXISTS article_facets (
    pk    INTEGER NOT NULL,   -- articles.pk
    kind  TEXT NOT NULL,      -- 'entity' | 'event_type'
    value TEXT NOT NULL,
    PRIMARY KEY (pk, kind, value)
) WITHOUT ROWID;

INSERT OR IGNORE INTO article_facets (pk, kind, value)
    SELECT a.pk, 'entity', json_extract(e.value, '$.name')
    FROM articles a, json_each(CASE WHEN json_valid(a.extra) THEN a.extra ELSE '{}' END, '$.annotations.entities') e
    WHERE CASE WHEN e.type = 'object' THEN json_type(e.value, '$.name') END = 'text';
INSERT OR IGNORE INTO article_facets (pk, kind, value)
    SELECT a.pk, 'event_type', json_extract(e.value, '$.type')
    FROM articles a, json_each(CASE WHEN json_valid(a.extra) THEN a.extra ELSE '{}' END, '$.annotations.events') e
    WHERE CASE WHEN e.type = 'object' THEN json_type(e.value, '$.type') END = 'text';

CREATE TRIGGER IF NOT EXISTS article_facets_ai AFTER INSERT ON articles WHEN json_valid(new.extra) BEGIN
    INSERT OR IGNORE INTO article_facets (pk, kind, value)
        SELECT new.pk, 'entity', json_extract(e.value, '$.name') FROM json_each(CASE WHEN json_valid(new.extra) THEN new.extra ELSE '{}' END, '$.annotations.entities') e
        WHERE CASE WHEN e.type = 'object' THEN json_type(e.value, '$.name') END = 'text';
    INSERT OR IGNORE INTO article_facets (pk, kind, value)
        SELECT new.pk, 'event_type', json_extract(e.value, '$.type') FROM json_each(CASE WHEN json_valid(new.extra) THEN new.extra ELSE '{}' END, '$.annotations.events') e
        WHERE CASE WHEN e.type = 'object' THEN json_type(e.value, '$.type') END = 'text';
END;

CREATE TRIGGER IF NOT EXISTS article_facets_au AFTER UPDATE OF extra ON articles BEGIN
    DELETE FROM article_facets WHERE pk = old.pk;
    INSERT OR IGNORE INTO article_facets (pk, kind, value)
        SELECT new.pk, 'entity', json_extract(e.value, '$.name') FROM json_each(CASE WHEN json_valid(new.extra) THEN new.extra ELSE '{}' END, '$.annotations.entities') e
        WHERE CASE WHEN e.type = 'object' THEN json_type(e.value, '$.name') END = 'text';
    INSERT OR IGNORE INTO article_facets (pk, kind, value)
        SELECT new.pk, 'event_type', json_extract(e.value, '$.type') FROM json_each(CASE WHEN json_valid(new.extra) THEN new.extra ELSE '{}' END, '$.annotations.events') e
        WHERE CASE WHEN e.type = 'object' THEN json_type(e.value, '$.type') END = 'text';
END;

CREATE TRIGGER IF NOT EXISTS article_facets_ad AFTER DELETE ON articles BEGIN
    DELETE FROM article_facets WHERE pk = old.pk;
END;

CREATE INDEX IF NOT EXISTS articles_outlet ON articles (outlet);
