-- Users of the web UI. The admin account lives here when its password is not configured: the
-- service generates one at first start, prints it once and keeps only its BCrypt hash, so the same
-- password works after every restart.
CREATE TABLE ui_user (
    username      varchar(64)  PRIMARY KEY,
    password_hash varchar(100) NOT NULL,
    created_at    timestamptz  NOT NULL DEFAULT now()
);
