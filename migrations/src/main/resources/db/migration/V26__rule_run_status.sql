-- What each alert rule last saw on each running run it watches, also while its condition does not hold,
-- so the run page can answer "why is this rule not firing?". One row per (rule, run), rewritten by each
-- upload with the rule's observation at the upload's newest checkpoint.
CREATE TABLE rule_run_status (
    rule_id     bigint           NOT NULL REFERENCES alert_rule (id) ON DELETE CASCADE,
    run_id      bigint           NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    step        bigint           NOT NULL,
    holds       boolean          NOT NULL,
    value       double precision,
    summary     varchar(1000)    NOT NULL,
    observed_at timestamptz      NOT NULL,
    PRIMARY KEY (rule_id, run_id)
);
CREATE INDEX rule_run_status_run ON rule_run_status (run_id);
