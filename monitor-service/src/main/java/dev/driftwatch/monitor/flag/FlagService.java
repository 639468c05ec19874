package dev.driftwatch.monitor.flag;

import dev.driftwatch.monitor.project.FlagSettings;
import dev.driftwatch.monitor.project.FlagSettingsChanged;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decides a run's flags (SPEC "Flagging") and stores them with their reasons:
 *
 * <ul>
 *   <li>{@value #PARAMETER_HEAVY}: trainable fraction at or above the project's threshold;
 *   <li>{@value #DRIFTS_FAR}: the lower CI bound of the latest headline KL is above the project's KL
 *       threshold, or the latest KL is at least the project's factor times the KL of the lightest
 *       comparable runs (same base and probe fingerprints, smallest trainable fraction) at a similar
 *       task loss (within the project's relative tolerance): the run's latest loss (validation if it has
 *       one, else training) against the same kind of loss at the light run's checkpoints where it has
 *       moved (KL above 0).
 * </ul>
 *
 * A run is <em>flagged</em> when it has both. Recomputed on every ingest, inside its transaction.
 */
@Service
public class FlagService {

    /** The flag of a run whose trainable fraction is at or above the project's threshold. */
    public static final String PARAMETER_HEAVY = "parameter-heavy";
    /** The flag of a run that drifts far from its base. */
    public static final String DRIFTS_FAR = "drifts-far";

    /** Comparable runs re-evaluated at most when a lightest run changes. */
    private static final int MAX_RECOMPUTED = 500;

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;

    FlagService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A flag with the reason it was raised.
     *
     * @param flag {@value #PARAMETER_HEAVY} or {@value #DRIFTS_FAR}
     * @param reason a sentence with the numbers behind it
     */
    public record FlagReason(String flag, String reason) {}

    /** The facts about a run that its flags depend on. */
    private record RunFacts(long id, long projectId, String runKey, String base, String probe, double fraction,
            Double klMean, Double klCiLow, Double taskLoss, boolean validated, FlagSettings settings) {

        /** What makes runs comparable within a project: the same base and probe set. */
        List<String> comparison() {
            return List.of(base, probe);
        }
    }

    /**
     * Recomputes and stores the flags of a run and, when it is one of the lightest of its comparable
     * runs (so it is the yardstick of the others), of the runs comparable to it.
     *
     * @param runId the run
     * @return the run's flags
     */
    @Transactional
    public List<String> recompute(long runId) {
        RunFacts run = facts("r.id = ?", runId).get(0);
        List<RunFacts> comparable = facts("r.project_id = ? AND r.base_fingerprint = ? AND r.probe_fingerprint = ?",
                run.projectId(), run.base(), run.probe());
        double lightest = lightest(comparable, run.fraction());
        List<RunFacts> lightestRuns = lightestRuns(comparable, lightest);
        List<String> flags = store(run, decide(run, lightestRuns));
        if (run.fraction() == lightest) {
            // The heavier runs are measured against this one. Only they are re-flagged (a run never
            // touches runs as light as itself), in id order, skipping any that another upload holds
            // (that upload re-flags it): concurrent uploads cannot deadlock on each other's rows.
            comparable.stream().filter(r -> r.fraction() > lightest)
                    .sorted(java.util.Comparator.comparingLong(RunFacts::id)).limit(MAX_RECOMPUTED)
                    .filter(r -> !jdbc.queryForList("SELECT id FROM run WHERE id = ? FOR UPDATE SKIP LOCKED",
                            Long.class, r.id()).isEmpty())
                    .forEach(r -> store(r, decide(r, lightestRuns)));
        }
        return flags;
    }

    /**
     * Re-flags every run of a project whose flagging settings changed, in the transaction that changed
     * them.
     *
     * @param event the change
     */
    @EventListener
    @Transactional
    public void onFlagSettingsChanged(FlagSettingsChanged event) {
        // One change of a project's settings at a time: a change to the values already stored leaves the
        // project row unlocked, and two re-flags taking the runs' rows in different orders deadlocked (503).
        jdbc.queryForList("SELECT id FROM project WHERE id = ? FOR NO KEY UPDATE", Long.class, event.projectId());
        // Every run once, in id order (as uploads take them), against the lightest of its comparable runs:
        // recompute(run) for each would re-flag the heavier runs again for every lightest one (quadratic).
        List<RunFacts> runs = facts("r.project_id = ? ORDER BY r.id", event.projectId());
        java.util.Map<List<String>, List<RunFacts>> lightestOf = runs.stream().collect(Collectors.groupingBy(
                RunFacts::comparison, Collectors.collectingAndThen(Collectors.toList(),
                        group -> lightestRuns(group, lightest(group, 0)))));
        for (RunFacts r : runs) {
            store(r, decide(r, lightestOf.get(r.comparison())));
        }
    }

    /** The smallest trainable fraction among comparable runs ({@code otherwise} when there are none). */
    private static double lightest(List<RunFacts> comparable, double otherwise) {
        return comparable.stream().mapToDouble(RunFacts::fraction).min().orElse(otherwise);
    }

    /** The comparable runs with the smallest trainable fraction: the yardstick of the others. */
    private static List<RunFacts> lightestRuns(List<RunFacts> comparable, double lightest) {
        return comparable.stream().filter(r -> r.fraction() == lightest).toList();
    }

    /**
     * Returns the stored flags of a run.
     *
     * @param runId the run
     * @return the flag names
     */
    @Transactional(readOnly = true)
    public List<String> current(long runId) {
        return jdbc.queryForObject("SELECT flag_parameter_heavy, flag_drifts_far FROM run WHERE id = ?",
                (rs, n) -> names(rs.getBoolean(1), rs.getBoolean(2)), runId);
    }

    /**
     * Parses stored flag reasons.
     *
     * @param json the {@code flag_reasons} column
     * @return the reasons
     */
    public static List<FlagReason> reasons(String json) {
        List<FlagReason> out = new ArrayList<>();
        for (JsonNode n : JSON.readTree(json)) {
            out.add(new FlagReason(n.get("flag").stringValue(), n.get("reason").stringValue()));
        }
        return out;
    }

    /**
     * Decides the flags of one run.
     *
     * @param run the run
     * @param lightestRuns the lightest runs comparable to it (may include itself)
     * @return the raised flags with reasons
     */
    private List<FlagReason> decide(RunFacts run, List<RunFacts> lightestRuns) {
        FlagSettings s = run.settings();
        List<FlagReason> out = new ArrayList<>();
        if (run.fraction() >= s.trainableFractionThreshold()) {
            out.add(new FlagReason(PARAMETER_HEAVY, String.format(Locale.ROOT,
                    "trainable fraction %.4f is at or above the project threshold %.4f",
                    run.fraction(), s.trainableFractionThreshold())));
        }
        if (run.klCiLow() != null && run.klCiLow() > s.klThreshold()) {
            out.add(new FlagReason(DRIFTS_FAR, String.format(Locale.ROOT,
                    "lower CI bound %.4g of KL(base||ft) is above the project threshold %.4g nats/token",
                    run.klCiLow(), s.klThreshold())));
        } else {
            FlagReason relative = relativeDrift(run, lightestRuns);
            if (relative != null) {
                out.add(relative);
            }
        }
        return out;
    }

    /** Compares the run's latest KL with the lightest comparable runs' KL at a similar task loss. */
    private FlagReason relativeDrift(RunFacts run, List<RunFacts> lightestRuns) {
        if (run.klMean() == null || run.taskLoss() == null) {
            return null;
        }
        FlagSettings s = run.settings();
        double loss = run.taskLoss();
        double tolerance = Math.abs(loss) * s.lossTolerance();
        Reference best = null;
        for (RunFacts light : lightestRuns) {
            if (light.id() == run.id() || light.fraction() >= run.fraction()) {
                continue;
            }
            // like with like (a validation loss with validation losses), and only checkpoints where the
            // light run has moved: its base checkpoint (KL 0, often with a training loss of the base alone)
            // is no yardstick, and as the nearest loss it used to silence the comparison. The nearest loss
            // at or below and at or above, compared here: losses may be any finite doubles, and PostgreSQL
            // refuses arithmetic whose result overflows (a difference) or underflows (half of 4.9e-324)
            List<Reference> refs = jdbc.query("""
                    WITH c AS NOT MATERIALIZED (
                        SELECT kl_mean, CASE WHEN ? THEN validate_loss ELSE train_loss END AS loss, step
                        FROM checkpoint WHERE run_id = ? AND valid AND kl_mean > 0)
                    (SELECT kl_mean, loss, step FROM c WHERE loss BETWEEN ? AND ? ORDER BY loss DESC, step LIMIT 1)
                    UNION ALL
                    (SELECT kl_mean, loss, step FROM c WHERE loss BETWEEN ? AND ? ORDER BY loss, step LIMIT 1)
                    """, (rs, n) -> new Reference(light.runKey(), light.fraction(), rs.getDouble(1), rs.getDouble(2),
                            rs.getLong(3)),
                    run.validated(), light.id(), loss - tolerance, loss, loss, loss + tolerance);
            Comparator<Reference> nearer = Comparator.comparingDouble((Reference r) -> Math.abs(r.loss() / 2 - loss / 2))
                    .thenComparingLong(Reference::step);
            Reference nearest = refs.stream().min(nearer).orElse(null);
            if (nearest != null && (best == null || nearest.kl() < best.kl())) {
                best = nearest;
            }
        }
        if (best == null || best.kl() <= 0 || run.klMean() < s.driftFactor() * best.kl()) {
            return null;
        }
        return new FlagReason(DRIFTS_FAR, String.format(Locale.ROOT,
                "KL(base||ft) %.4g nats/token is %.1fx the %.4g of the lightest comparable run '%s' "
                        + "(trainable fraction %.4f, step %d) at a similar %s loss %.4g vs %.4g; factor %.1f",
                run.klMean(), run.klMean() / best.kl(), best.kl(), best.runKey(), best.fraction(), best.step(),
                run.validated() ? "validation" : "training", best.loss(), loss, s.driftFactor()));
    }

    private record Reference(String runKey, double fraction, double kl, double loss, long step) {}

    private List<String> store(RunFacts run, List<FlagReason> reasons) {
        boolean heavy = reasons.stream().anyMatch(r -> r.flag().equals(PARAMETER_HEAVY));
        boolean far = reasons.stream().anyMatch(r -> r.flag().equals(DRIFTS_FAR));
        jdbc.update("UPDATE run SET flag_parameter_heavy = ?, flag_drifts_far = ?, flag_reasons = ?::jsonb"
                + " WHERE id = ?", heavy, far, JSON.writeValueAsString(reasons), run.id());
        return names(heavy, far);
    }

    private static List<String> names(boolean heavy, boolean far) {
        List<String> out = new ArrayList<>(2);
        if (heavy) {
            out.add(PARAMETER_HEAVY);
        }
        if (far) {
            out.add(DRIFTS_FAR);
        }
        return out;
    }

    private List<RunFacts> facts(String where, Object... args) {
        return jdbc.query("""
                SELECT r.id, r.project_id, r.run_key, r.base_fingerprint, r.probe_fingerprint,
                       r.trainable_parameters::float8 / r.total_parameters, r.latest_kl_mean, r.latest_kl_ci_low,
                       r.latest_task_loss, p.trainable_fraction_threshold, p.kl_threshold, p.drift_factor,
                       p.loss_tolerance,
                       COALESCE(%s, false)
                FROM run r JOIN project p ON p.id = r.project_id
                WHERE\s""".formatted(LatestTaskLoss.isValidation()) + where, (rs, n) -> new RunFacts(rs.getLong(1), rs.getLong(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getDouble(6), (Double) rs.getObject(7),
                        (Double) rs.getObject(8), (Double) rs.getObject(9), rs.getBoolean(14),
                        new FlagSettings(rs.getDouble(10), rs.getDouble(11), rs.getDouble(12), rs.getDouble(13))),
                args);
    }
}
