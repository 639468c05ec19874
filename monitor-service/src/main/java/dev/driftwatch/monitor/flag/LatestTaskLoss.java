package dev.driftwatch.monitor.flag;

/**
 * What a run's latest task loss is, in SQL: the loss of its latest checkpoint that has one, validation
 * where that checkpoint has it, else training. The run summary keeps it ({@code run.latest_task_loss},
 * updated on ingest) and the flags compare it with the same kind of loss of lighter runs, so both take
 * it from here: a run summary and a flag that picked different checkpoints would compare unlike losses.
 */
public final class LatestTaskLoss {

    /** A checkpoint {@code c}'s task loss: validation where it has one, else training. */
    private static final String OF_CHECKPOINT = "COALESCE(c.validate_loss, c.train_loss)";

    private LatestTaskLoss() {}

    /**
     * A scalar subquery over the checkpoints {@code c} of the run aliased {@code r}: the expression at the
     * latest checkpoint with a task loss, NULL when no checkpoint has one.
     *
     * @param expression a SQL expression over {@code c}, a constant of this code (never user input)
     * @return the subquery, parenthesised
     */
    static String at(String expression) {
        return "(SELECT " + expression + " FROM checkpoint c WHERE c.run_id = r.id AND " + OF_CHECKPOINT
                + " IS NOT NULL ORDER BY c.step DESC LIMIT 1)";
    }

    /**
     * The latest task loss of the run aliased {@code r}.
     *
     * @return a scalar subquery, NULL when no checkpoint has a task loss
     */
    public static String value() {
        return at(OF_CHECKPOINT);
    }

    /**
     * Whether the latest task loss of the run aliased {@code r} is a validation loss.
     *
     * @return a boolean scalar subquery, NULL when no checkpoint has a task loss
     */
    static String isValidation() {
        return at("c.validate_loss IS NOT NULL");
    }
}
