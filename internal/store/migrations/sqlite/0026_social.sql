-- SNS and market listening (issue 9 §2): posts imported from exports of X,
-- Instagram and similar tools or sent to the API, deduplicated by
-- (network, external_id); the terms of each post (Japanese morphological
-- analysis, English words, #hashtags and @mentions kept whole) one row per
-- post and term, with the post's time copied in so that a term's counts
-- over time read one index range. norm_text is the text NFKC-normalised and
-- lower-cased: share of voice searches it for brand and competitor names.
-- sentiment is what reports count: the word list's verdict
-- (sentiment_auto) until a person corrects it (sentiment_at set); a
-- re-import never overwrites a correction.

CREATE TABLE social_posts (
    id             INTEGER PRIMARY KEY,
    network        TEXT NOT NULL,
    external_id    TEXT NOT NULL,
    author         TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL,
    norm_text      TEXT NOT NULL,
    url            TEXT NOT NULL DEFAULT '',
    posted_at      BIGINT NOT NULL,
    likes          BIGINT NOT NULL DEFAULT 0,
    shares         BIGINT NOT NULL DEFAULT 0,
    sentiment      TEXT NOT NULL,
    sentiment_auto TEXT NOT NULL,
    sentiment_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    sentiment_at   BIGINT,
    source         TEXT NOT NULL DEFAULT 'import',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (network, external_id)
);
CREATE INDEX social_posts_posted ON social_posts (posted_at);

CREATE TABLE social_post_terms (
    post_id   BIGINT NOT NULL REFERENCES social_posts (id) ON DELETE CASCADE,
    term      TEXT NOT NULL,
    posted_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, term)
);
CREATE INDEX social_post_terms_term ON social_post_terms (term, posted_at);
CREATE INDEX social_post_terms_posted ON social_post_terms (posted_at);
