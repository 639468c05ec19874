-- The coarse level of the headline trajectory (docs/storage.md, "Trajectories"): for every run,
-- level k (4..40) and aligned block of 2^k steps [bucket * 2^k, (bucket + 1) * 2^k - 1], the number
-- of checkpoints in the block and the first, last, minimum and maximum of kl_mean with their steps.
-- A downsampled trajectory reads a few of these rows per chart bucket instead of every checkpoint.
--
-- Maintained by a statement trigger on checkpoint, so every way of writing checkpoints (the ingest
-- COPY, a bulk load) keeps it exact. Out-of-order steps merge into the block they belong to; a
-- re-uploaded step never reaches the trigger (it is skipped by ingestion, or the COPY fails on the
-- primary key and rolls back with the trigger's work). Checkpoints are never updated or deleted one by
-- one by the service (a run's delete cascades here); the triggers below refuse changing a step or
-- its headline and recompute the blocks of deleted checkpoints.
CREATE TABLE checkpoint_coarse (
    run_id     bigint           NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    level      smallint         NOT NULL CHECK (level BETWEEN 4 AND 40),
    bucket     bigint           NOT NULL CHECK (bucket >= 0),
    -- checkpoints in the block, with or without a headline value
    n          integer          NOT NULL CHECK (n > 0),
    -- the extremes over checkpoints with a kl_mean (null when none has one); ties keep the smallest step
    first_step bigint,
    first_v    double precision,
    last_step  bigint,
    last_v     double precision,
    min_step   bigint,
    min_v      double precision,
    max_step   bigint,
    max_v      double precision,
    PRIMARY KEY (run_id, level, bucket)
);

-- Computes again the blocks of one run that hold any of the given steps, at every level: level 4 from
-- the checkpoints, every higher level from its two halves one level down.
CREATE FUNCTION checkpoint_coarse_refresh(p_run bigint, p_steps bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[] := ARRAY(SELECT DISTINCT s >> 4 FROM unnest(p_steps) s);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM run WHERE id = p_run) THEN
        RETURN; -- the run is being deleted, and its blocks with it
    END IF;
    FOR k IN 4..40 LOOP
        IF k > 4 THEN
            touched := ARRAY(SELECT DISTINCT b >> 1 FROM unnest(touched) b);
        END IF;
        DELETE FROM checkpoint_coarse c USING unnest(touched) t(bucket)
        WHERE c.run_id = p_run AND c.level = k AND c.bucket = t.bucket;
        IF k = 4 THEN
            INSERT INTO checkpoint_coarse (run_id, level, bucket, n, first_step, first_v, last_step, last_v,
                                           min_step, min_v, max_step, max_v)
            SELECT p_run, 4, t.bucket, count(*),
                   min(c.step) FILTER (WHERE c.kl_mean IS NOT NULL),
                   (array_agg(c.kl_mean ORDER BY c.step) FILTER (WHERE c.kl_mean IS NOT NULL))[1],
                   max(c.step) FILTER (WHERE c.kl_mean IS NOT NULL),
                   (array_agg(c.kl_mean ORDER BY c.step DESC) FILTER (WHERE c.kl_mean IS NOT NULL))[1],
                   (array_agg(c.step ORDER BY c.kl_mean, c.step) FILTER (WHERE c.kl_mean IS NOT NULL))[1],
                   min(c.kl_mean),
                   (array_agg(c.step ORDER BY c.kl_mean DESC, c.step) FILTER (WHERE c.kl_mean IS NOT NULL))[1],
                   max(c.kl_mean)
            FROM unnest(touched) t(bucket)
            JOIN checkpoint c ON c.run_id = p_run AND c.step BETWEEN t.bucket << 4 AND (t.bucket << 4) + 15
            GROUP BY t.bucket;
        ELSE
            -- ties keep the smaller step: the lower half's point comes first in each order
            INSERT INTO checkpoint_coarse (run_id, level, bucket, n, first_step, first_v, last_step, last_v,
                                           min_step, min_v, max_step, max_v)
            SELECT p_run, k, t.bucket, sum(h.n),
                   min(h.first_step),
                   (array_agg(h.first_v ORDER BY h.first_step) FILTER (WHERE h.first_step IS NOT NULL))[1],
                   max(h.last_step),
                   (array_agg(h.last_v ORDER BY h.last_step DESC) FILTER (WHERE h.last_step IS NOT NULL))[1],
                   (array_agg(h.min_step ORDER BY h.min_v, h.min_step) FILTER (WHERE h.min_step IS NOT NULL))[1],
                   min(h.min_v),
                   (array_agg(h.max_step ORDER BY h.max_v DESC, h.max_step) FILTER (WHERE h.max_step IS NOT NULL))[1],
                   max(h.max_v)
            FROM unnest(touched) t(bucket)
            JOIN checkpoint_coarse h ON h.run_id = p_run AND h.level = k - 1
                AND h.bucket BETWEEN t.bucket << 1 AND (t.bucket << 1) + 1
            GROUP BY t.bucket;
        END IF;
    END LOOP;
END
$$;

-- Inserted checkpoints: their blocks are aggregated (level 4 from the rows, every higher level from
-- level 4's new blocks) and merged into the stored ones in one upsert. Cheaper than computing the
-- blocks again from the table, which a bulk load would feel.
CREATE FUNCTION checkpoint_coarse_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH fine AS (
        SELECT run_id, step >> 4 AS bucket, count(*) AS n,
               min(step) FILTER (WHERE kl_mean IS NOT NULL) AS first_step,
               (array_agg(kl_mean ORDER BY step) FILTER (WHERE kl_mean IS NOT NULL))[1] AS first_v,
               max(step) FILTER (WHERE kl_mean IS NOT NULL) AS last_step,
               (array_agg(kl_mean ORDER BY step DESC) FILTER (WHERE kl_mean IS NOT NULL))[1] AS last_v,
               (array_agg(step ORDER BY kl_mean, step) FILTER (WHERE kl_mean IS NOT NULL))[1] AS min_step,
               min(kl_mean) AS min_v,
               (array_agg(step ORDER BY kl_mean DESC, step) FILTER (WHERE kl_mean IS NOT NULL))[1] AS max_step,
               max(kl_mean) AS max_v
        FROM added GROUP BY run_id, step >> 4
    )
    INSERT INTO checkpoint_coarse AS c (run_id, level, bucket, n, first_step, first_v, last_step, last_v,
                                        min_step, min_v, max_step, max_v)
    SELECT run_id, 4, bucket, n, first_step, first_v, last_step, last_v, min_step, min_v, max_step, max_v
    FROM fine
    UNION ALL
    SELECT run_id, k, bucket >> (k - 4), sum(n),
           min(first_step), (array_agg(first_v ORDER BY first_step) FILTER (WHERE first_step IS NOT NULL))[1],
           max(last_step), (array_agg(last_v ORDER BY last_step DESC) FILTER (WHERE last_step IS NOT NULL))[1],
           (array_agg(min_step ORDER BY min_v, min_step) FILTER (WHERE min_step IS NOT NULL))[1], min(min_v),
           (array_agg(max_step ORDER BY max_v DESC, max_step) FILTER (WHERE max_step IS NOT NULL))[1], max(max_v)
    FROM fine CROSS JOIN generate_series(5, 40) k
    GROUP BY run_id, k, bucket >> (k - 4)
    -- a stored block and the new points: the earlier first, the later last, the extremes (ties: smaller step)
    ON CONFLICT (run_id, level, bucket) DO UPDATE SET
        n = c.n + excluded.n,
        first_step = CASE WHEN c.first_step IS NULL OR excluded.first_step < c.first_step
                          THEN excluded.first_step ELSE c.first_step END,
        first_v    = CASE WHEN c.first_step IS NULL OR excluded.first_step < c.first_step
                          THEN excluded.first_v ELSE c.first_v END,
        last_step  = CASE WHEN c.last_step IS NULL OR excluded.last_step > c.last_step
                          THEN excluded.last_step ELSE c.last_step END,
        last_v     = CASE WHEN c.last_step IS NULL OR excluded.last_step > c.last_step
                          THEN excluded.last_v ELSE c.last_v END,
        min_step   = CASE WHEN c.min_step IS NULL OR excluded.min_v < c.min_v
                               OR (excluded.min_v = c.min_v AND excluded.min_step < c.min_step)
                          THEN excluded.min_step ELSE c.min_step END,
        min_v      = CASE WHEN c.min_step IS NULL OR excluded.min_v < c.min_v
                          THEN excluded.min_v ELSE c.min_v END,
        max_step   = CASE WHEN c.max_step IS NULL OR excluded.max_v > c.max_v
                               OR (excluded.max_v = c.max_v AND excluded.max_step < c.max_step)
                          THEN excluded.max_step ELSE c.max_step END,
        max_v      = CASE WHEN c.max_step IS NULL OR excluded.max_v > c.max_v
                          THEN excluded.max_v ELSE c.max_v END;
    RETURN NULL;
END
$$;

CREATE TRIGGER checkpoint_coarse_added AFTER INSERT ON checkpoint
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION checkpoint_coarse_added();

CREATE FUNCTION checkpoint_coarse_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM checkpoint_coarse_refresh(run_id, array_agg(step)) FROM removed GROUP BY run_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER checkpoint_coarse_removed AFTER DELETE ON checkpoint
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION checkpoint_coarse_removed();

-- A checkpoint's step and headline are written once; changing them would leave the coarse level
-- stale, so it is refused (the service never does it).
CREATE FUNCTION checkpoint_headline_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'checkpoint (run %, step %): step and kl_mean are written once', OLD.run_id, OLD.step;
END
$$;

CREATE TRIGGER checkpoint_headline_immutable BEFORE UPDATE OF run_id, step, kl_mean ON checkpoint
    FOR EACH ROW WHEN (OLD.run_id IS DISTINCT FROM NEW.run_id OR OLD.step IS DISTINCT FROM NEW.step
                       OR OLD.kl_mean IS DISTINCT FROM NEW.kl_mean)
    EXECUTE FUNCTION checkpoint_headline_immutable();

-- Existing checkpoints, run by run.
SELECT checkpoint_coarse_refresh(run_id, array_agg(step)) FROM checkpoint GROUP BY run_id;
