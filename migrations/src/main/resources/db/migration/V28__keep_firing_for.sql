-- A firing alert resolves only once its condition has not held for keep_firing_for checkpoints in a row
-- (1: at the first checkpoint where it does not hold, as before); clear_streak counts them.
ALTER TABLE alert_rule ADD COLUMN keep_firing_for integer NOT NULL DEFAULT 1
    CHECK (keep_firing_for BETWEEN 1 AND 1000);
ALTER TABLE alert ADD COLUMN clear_streak integer NOT NULL DEFAULT 0 CHECK (clear_streak >= 0);
