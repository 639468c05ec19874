-- Alerting (docs/alerting.md): rules, alert episodes with their transitions, and the notification
-- outbox with its persisted delivery log.

-- A rule of a project. Deleting a rule only marks it (deleted_at), so its alerts' history stays.
CREATE TABLE alert_rule (
    id              bigserial PRIMARY KEY,
    project_id      bigint       NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    name            varchar(200) NOT NULL,
    enabled         boolean      NOT NULL DEFAULT true,
    severity        varchar(16)  NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    -- scope inside the project: runs with this tag and/or this run key (null = any)
    scope_tag       varchar(64),
    scope_run_key   varchar(128),
    -- consecutive checkpoints the condition must hold before the alert fires
    for_count       integer      NOT NULL CHECK (for_count BETWEEN 1 AND 1000),
    -- re-notify an alert that stays firing after this many seconds (0 = never)
    repeat_seconds  bigint       NOT NULL DEFAULT 0 CHECK (repeat_seconds >= 0),
    -- the validated condition: {"type": "threshold", "metric": "kl_base_ft", ...}
    condition       jsonb        NOT NULL,
    -- [{"type": "webhook", "url": "..."}, {"type": "slack", "url": "..."}, {"type": "log"}]
    channels        jsonb        NOT NULL DEFAULT '[]',
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE INDEX alert_rule_project ON alert_rule (project_id) WHERE deleted_at IS NULL;

-- One episode of an alert instance (rule, run, slice): pending -> firing -> resolved, or
-- pending -> cleared when the condition stops holding before it fired. A new episode starts when
-- the condition holds again, so this table is the history.
CREATE TABLE alert (
    id               bigserial PRIMARY KEY,
    rule_id          bigint       NOT NULL REFERENCES alert_rule (id) ON DELETE CASCADE,
    run_id           bigint       NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    -- '' when the rule is not per slice
    slice_key        varchar(128) NOT NULL DEFAULT '',
    state            varchar(16)  NOT NULL CHECK (state IN ('pending', 'firing', 'resolved', 'cleared')),
    -- consecutive checkpoints the condition has held
    consecutive      integer      NOT NULL,
    started_step     bigint       NOT NULL,
    last_step        bigint       NOT NULL,
    last_value       double precision,
    summary          varchar(1000) NOT NULL,
    started_at       timestamptz  NOT NULL DEFAULT now(),
    fired_at         timestamptz,
    ended_at         timestamptz,
    last_notified_at timestamptz,
    notifications    integer      NOT NULL DEFAULT 0
);
-- at most one open episode per instance
CREATE UNIQUE INDEX alert_open_instance ON alert (rule_id, run_id, slice_key)
    WHERE state IN ('pending', 'firing');
CREATE INDEX alert_run ON alert (run_id);
CREATE INDEX alert_rule_started ON alert (rule_id, started_at DESC);

-- Every state change of an alert, in order.
CREATE TABLE alert_transition (
    id        bigserial PRIMARY KEY,
    alert_id  bigint       NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
    state     varchar(16)  NOT NULL,
    step      bigint,
    value     double precision,
    note      varchar(1000),
    at        timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX alert_transition_alert ON alert_transition (alert_id, id);

-- The transactional outbox: written in the ingest transaction, delivered by the dispatcher.
-- dedup_key makes enqueueing the same notification twice a no-op.
CREATE TABLE notification (
    id              bigserial PRIMARY KEY,
    delivery_id     uuid         NOT NULL UNIQUE,
    dedup_key       varchar(200) NOT NULL UNIQUE,
    alert_id        bigint       REFERENCES alert (id) ON DELETE CASCADE,
    kind            varchar(16)  NOT NULL CHECK (kind IN ('firing', 'repeat', 'resolved')),
    channel_type    varchar(16)  NOT NULL CHECK (channel_type IN ('webhook', 'slack', 'log')),
    channel_url     varchar(2000),
    -- the request body, rendered when enqueued
    payload         text         NOT NULL,
    status          varchar(16)  NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer      NOT NULL DEFAULT 0,
    next_attempt_at timestamptz  NOT NULL DEFAULT now(),
    created_at      timestamptz  NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      varchar(1000)
);
CREATE INDEX notification_due ON notification (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_alert ON notification (alert_id);

-- The delivery log: one row per attempt, by whichever instance made it.
CREATE TABLE notification_attempt (
    id              bigserial PRIMARY KEY,
    notification_id bigint       NOT NULL REFERENCES notification (id) ON DELETE CASCADE,
    attempt         integer      NOT NULL,
    instance        varchar(200) NOT NULL,
    outcome         varchar(16)  NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
    http_status     integer,
    error           varchar(1000),
    duration_ms     bigint       NOT NULL,
    at              timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT notification_attempt_once UNIQUE (notification_id, attempt)
);
