-- Covering index for trajectories of the headline: a zoomed or full KL trajectory (with its CI
-- band) and the task losses are read from the index alone (index-only scan), never from the wide
-- heap rows with their jsonb.
CREATE INDEX checkpoint_headline ON checkpoint (run_id, step)
    INCLUDE (kl_mean, kl_ci_low, kl_ci_high, train_loss, validate_loss);
