-- driftwatch core schema: projects, API tokens, runs, checkpoints and their drift detail.
-- Sized for 10^4 runs x 10^3 checkpoints x 100 parameter tensors (see docs/storage.md):
-- one row per checkpoint keyed (run_id, step), headline values as plain columns for fast
-- trajectories, everything else of the checkpoint as compact jsonb / arrays on one or two rows.

CREATE TABLE project (
    id                           bigserial PRIMARY KEY,
    project_key                  varchar(64)  NOT NULL UNIQUE,
    name                         varchar(200) NOT NULL,
    created_at                   timestamptz  NOT NULL DEFAULT now(),
    -- flagging settings (SPEC "Flagging")
    trainable_fraction_threshold double precision NOT NULL DEFAULT 0.10,
    kl_threshold                 double precision NOT NULL DEFAULT 0.5,
    drift_factor                 double precision NOT NULL DEFAULT 3.0,
    loss_tolerance               double precision NOT NULL DEFAULT 0.10,
    CONSTRAINT project_key_format CHECK (project_key ~ '^[A-Za-z0-9._-]{1,64}$')
);

CREATE TABLE api_token (
    id           bigserial PRIMARY KEY,
    project_id   bigint       NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    name         varchar(200) NOT NULL,
    -- SHA-256 of the token text, lower-case hex; the token itself is never stored
    token_hash   varchar(64)  NOT NULL UNIQUE,
    -- the first characters, so a user can tell tokens apart
    token_prefix varchar(16)  NOT NULL,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX api_token_project ON api_token (project_id);

CREATE TABLE run (
    id                     bigserial PRIMARY KEY,
    project_id             bigint       NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    run_key                varchar(128) NOT NULL,
    name                   varchar(200) NOT NULL,
    method                 varchar(16)  NOT NULL CHECK (method IN ('full', 'head', 'adapter', 'lora', 'other')),
    tags                   text[]       NOT NULL DEFAULT '{}',
    base_fingerprint       varchar(64)  NOT NULL CHECK (base_fingerprint ~ '^[0-9a-f]{64}$'),
    probe_fingerprint      varchar(64)  NOT NULL CHECK (probe_fingerprint ~ '^[0-9a-f]{64}$'),
    total_parameters       bigint       NOT NULL CHECK (total_parameters > 0),
    trainable_parameters   bigint       NOT NULL CHECK (trainable_parameters >= 0),
    temperature            double precision NOT NULL DEFAULT 1,
    config                 jsonb        NOT NULL DEFAULT '{}',
    status                 varchar(16)  NOT NULL DEFAULT 'running'
                           CHECK (status IN ('running', 'completed', 'failed', 'stopped')),
    started_at             timestamptz  NOT NULL,
    ended_at               timestamptz,
    created_at             timestamptz  NOT NULL DEFAULT now(),
    updated_at             timestamptz  NOT NULL DEFAULT now(),
    -- summary maintained on ingest, so the runs list never scans checkpoints
    checkpoint_count       integer      NOT NULL DEFAULT 0,
    last_step              bigint,
    last_checkpoint_at     timestamptz,
    latest_kl_mean         double precision,
    latest_kl_ci_low       double precision,
    latest_kl_ci_high      double precision,
    latest_task_loss       double precision,
    max_kl_mean            double precision,
    -- flags (recomputed on ingest) and their reasons: [{"flag": "...", "reason": "..."}]
    flag_parameter_heavy   boolean      NOT NULL DEFAULT false,
    flag_drifts_far        boolean      NOT NULL DEFAULT false,
    flag_reasons           jsonb        NOT NULL DEFAULT '[]',
    CONSTRAINT run_key_format CHECK (run_key ~ '^[A-Za-z0-9._:-]{1,128}$'),
    CONSTRAINT run_trainable_le_total CHECK (trainable_parameters <= total_parameters),
    CONSTRAINT run_unique_key UNIQUE (project_id, run_key)
);
CREATE INDEX run_project_started ON run (project_id, started_at DESC);
CREATE INDEX run_project_latest_kl ON run (project_id, latest_kl_mean DESC NULLS LAST);
CREATE INDEX run_project_max_kl ON run (project_id, max_kl_mean DESC NULLS LAST);
CREATE INDEX run_comparable ON run (project_id, base_fingerprint, probe_fingerprint);
CREATE INDEX run_tags ON run USING gin (tags);

-- One row per (run, step). The headline KL summary and the task losses are columns, so a
-- trajectory is an index range scan on the primary key that never touches the jsonb (which
-- PostgreSQL compresses and moves out of line when large).
CREATE TABLE checkpoint (
    run_id               bigint       NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    step                 bigint       NOT NULL CHECK (step >= 0),
    epoch                integer      NOT NULL DEFAULT 0,
    measured_at          timestamptz  NOT NULL,
    received_at          timestamptz  NOT NULL DEFAULT now(),
    valid                boolean      NOT NULL,
    invalid_reason       varchar(1000),
    approximation        varchar(32)  NOT NULL,
    temperature          double precision NOT NULL,
    probe_count          integer      NOT NULL,
    -- the headline metric kl_base_ft (nats/token); null when the checkpoint is invalid
    kl_count             integer,
    kl_mean              double precision,
    kl_p50               double precision,
    kl_p90               double precision,
    kl_p99               double precision,
    kl_max               double precision,
    kl_ci_low            double precision,
    kl_ci_high           double precision,
    train_loss           double precision,
    validate_loss        double precision,
    total_parameters     bigint,
    trainable_parameters bigint,
    trainable_fraction   double precision,
    global_relative_l2   double precision,
    -- every metric summary: {"js": [count, mean, p50, p90, p99, max, ciLow, ciHigh], ...}
    metrics              jsonb        NOT NULL,
    -- per slice, in upload order: [{"slice": "on-task", "count": 300, "metrics": {...as above}}]
    slices               jsonb        NOT NULL DEFAULT '[]',
    -- [{"probeId": "...", "slice": "...", "metric": "...", "value": 1.2}] in upload order
    top_examples         jsonb        NOT NULL DEFAULT '[]',
    task_metrics         jsonb        NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, step)
);

-- Names of a run's parameter tensors, numbered once per run, so a checkpoint's tensor drift is a
-- handful of arrays indexed by that number instead of 100 rows repeating the names.
CREATE TABLE run_tensor (
    run_id     bigint        NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    tensor_idx integer       NOT NULL,
    name       varchar(512)  NOT NULL,
    PRIMARY KEY (run_id, tensor_idx),
    CONSTRAINT run_tensor_name UNIQUE (run_id, name)
);

-- Per-tensor drift of one checkpoint: element i of every array belongs to tensor tensor_idx[i].
CREATE TABLE checkpoint_tensors (
    run_id      bigint             NOT NULL,
    step        bigint             NOT NULL,
    tensor_idx  integer[]          NOT NULL,
    trainable   boolean[]          NOT NULL,
    buffer      boolean[]          NOT NULL,
    size        bigint[]           NOT NULL,
    delta_l2    double precision[] NOT NULL,
    base_l2     double precision[] NOT NULL,
    relative    double precision[] NOT NULL,
    -- null elements where the stable rank was not measured
    stable_rank double precision[] NOT NULL,
    PRIMARY KEY (run_id, step),
    FOREIGN KEY (run_id, step) REFERENCES checkpoint (run_id, step) ON DELETE CASCADE
);
