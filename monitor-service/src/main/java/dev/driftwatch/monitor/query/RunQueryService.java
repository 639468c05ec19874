package dev.driftwatch.monitor.query;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.run.Run;
import dev.driftwatch.monitor.run.RunView;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Lists and filters a project's runs; everything it sorts or filters on is a column of {@code run}. */
@Service
public class RunQueryService {

    /** Most runs on one page. */
    public static final int MAX_PAGE_SIZE = 200;

    private final EntityManager em;

    RunQueryService(EntityManager em) {
        this.em = em;
    }

    /**
     * Filters of the runs list; null means "any".
     *
     * @param tag runs carrying this tag
     * @param method full, head, adapter, lora or other
     * @param status running, completed, failed or stopped
     * @param flagged true for runs that are parameter-heavy and drift far, false for the others
     * @param flag runs with this flag raised: parameter-heavy or drifts-far
     * @param baseFingerprint runs on this base
     * @param probeFingerprint runs measured on this probe set
     * @param search runs whose name or key contains this text, ignoring case
     */
    public record RunFilter(String tag, String method, String status, Boolean flagged, String flag,
            String baseFingerprint, String probeFingerprint, String search) {}

    /**
     * One page of runs.
     *
     * @param runs the runs on the page
     * @param page the page number, from 0
     * @param size the page size
     * @param total runs matching the filter
     */
    public record RunPage(List<RunView> runs, int page, int size, long total) {}

    /** Sort orders of the runs list. */
    public enum Sort {
        /** Headline KL of the latest checkpoint, largest first. */
        latestDrift("r.latestKlMean", true),
        /** Largest headline KL ever, largest first. */
        maxDrift("r.maxKlMean", true),
        /** Name, A to Z. */
        name("r.name", false),
        /** Start time, newest first. */
        started("r.startedAt", true),
        /** Latest checkpoint arrival, newest first. */
        lastCheckpoint("r.lastCheckpointAt", true);

        private final String property;
        private final boolean descendingByDefault;

        Sort(String property, boolean descendingByDefault) {
            this.property = property;
            this.descendingByDefault = descendingByDefault;
        }
    }

    /**
     * Lists a project's runs.
     *
     * @param projectId the project
     * @param filter the filters
     * @param sort the order
     * @param ascending null for the sort's natural direction, else the direction
     * @param page page number from 0
     * @param size page size, 1 to {@value #MAX_PAGE_SIZE}
     * @return the page
     */
    @Transactional(readOnly = true)
    public RunPage list(long projectId, RunFilter filter, Sort sort, Boolean ascending, int page, int size) {
        if (page < 0) {
            throw ApiProblem.invalid("page", "must be >= 0");
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            throw ApiProblem.invalid("size", "must be in [1, " + MAX_PAGE_SIZE + "]");
        }
        // the offset page * size is an int (JPA's first result): no page may start beyond it
        if ((long) page * size > Integer.MAX_VALUE) {
            throw ApiProblem.invalid("page", "must be at most " + Integer.MAX_VALUE / size + " with size " + size);
        }
        StringBuilder where = new StringBuilder(" where r.project.id = :projectId");
        Map<String, Object> params = new HashMap<>();
        params.put("projectId", projectId);
        if (filter.tag() != null) {
            where.append(" and array_contains(r.tags, :tag)");
            params.put("tag", filter.tag());
        }
        if (filter.method() != null) {
            where.append(" and r.method = :method");
            params.put("method", filter.method());
        }
        if (filter.status() != null) {
            where.append(" and r.status = :status");
            params.put("status", filter.status());
        }
        if (filter.flagged() != null) {
            where.append(filter.flagged() ? " and (r.parameterHeavy and r.driftsFar)"
                    : " and not (r.parameterHeavy and r.driftsFar)");
        }
        if (filter.flag() != null) {
            switch (filter.flag()) {
                case "parameter-heavy" -> where.append(" and r.parameterHeavy");
                case "drifts-far" -> where.append(" and r.driftsFar");
                default -> throw ApiProblem.invalid("flag", "must be parameter-heavy or drifts-far");
            }
        }
        if (filter.baseFingerprint() != null) {
            where.append(" and r.baseFingerprint = :base");
            params.put("base", filter.baseFingerprint());
        }
        if (filter.probeFingerprint() != null) {
            where.append(" and r.probeFingerprint = :probe");
            params.put("probe", filter.probeFingerprint());
        }
        if (filter.search() != null && !filter.search().isBlank()) {
            // both sides folded by PostgreSQL's lower(): Java's folding differs (the Greek final sigma; and under
            // LC_CTYPE C the database folds ASCII only), and the name exactly as shown found nothing
            where.append(" and (lower(r.name) like lower(:search) escape '\\'"
                    + " or lower(r.runKey) like lower(:search) escape '\\')");
            params.put("search", "%" + filter.search().strip()
                    .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        boolean desc = ascending == null ? sort.descendingByDefault : !ascending;
        String order = " order by " + sort.property + (desc ? " desc nulls last" : " asc nulls last") + ", r.id";
        TypedQuery<Run> q = em.createQuery("select r from Run r" + where + order, Run.class);
        TypedQuery<Long> count = em.createQuery("select count(r) from Run r" + where, Long.class);
        params.forEach((k, v) -> {
            q.setParameter(k, v);
            count.setParameter(k, v);
        });
        List<RunView> runs = q.setFirstResult(page * size).setMaxResults(size).getResultList().stream()
                .map(RunView::of).toList();
        return new RunPage(runs, page, size, count.getSingleResult());
    }
}
