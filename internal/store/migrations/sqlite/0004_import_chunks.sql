-- CSV imports (store/imports.go): the file is kept in chunks of about
-- 1 MiB, so that the job streams it instead of loading a 200 MiB value at
-- once (imports.file stays empty); rows skipped on purpose (suppressed
-- addresses) are counted apart from bad rows; a failed import says why.
ALTER TABLE imports ADD COLUMN skipped_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN message TEXT NOT NULL DEFAULT '';

CREATE TABLE import_chunks (
    import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);
