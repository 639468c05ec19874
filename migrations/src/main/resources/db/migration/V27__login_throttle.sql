-- UI login throttling shared by every instance (docs/configuration.md, driftwatch.security.login.*):
-- a failed login on one replica counts on all of them, and a lock taken on one refuses logins on all.
-- Keys are 'user:' or 'address:' followed by the SHA-256 (hex) of the user name or client address, so
-- any text a login form can carry (control characters, lone surrogates, megabytes) is stored safely.
CREATE TABLE login_failure (
    throttle_key varchar(80) NOT NULL,
    failed_at    timestamptz NOT NULL
);
CREATE INDEX login_failure_by_key ON login_failure (throttle_key, failed_at);
CREATE INDEX login_failure_by_time ON login_failure (failed_at);

CREATE TABLE login_lock (
    throttle_key varchar(80) PRIMARY KEY,
    locked_until timestamptz NOT NULL
);
