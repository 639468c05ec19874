-- What a token may do beyond reading and writing its project's runs and rules: a space-separated
-- list of scopes. "channels" lets it create rules that notify a URL (webhook, Slack); the bootstrap
-- token has it, tokens issued in the UI do not unless chosen.
ALTER TABLE api_token ADD COLUMN scopes varchar(200) NOT NULL DEFAULT ''
    CHECK (scopes ~ '^[a-z]*( [a-z]+)*$');
