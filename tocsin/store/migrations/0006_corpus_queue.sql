-- Articles whose corpus stages (events across outlets, stories, contradictions, alerts) have
-- not run yet. Filled in the same transaction that adds an article, emptied only after every
-- corpus stage has run, so a run killed between ingest and corpus work resumes it next time.
CREATE TABLE corpus_queue (
    article_id TEXT PRIMARY KEY
);
