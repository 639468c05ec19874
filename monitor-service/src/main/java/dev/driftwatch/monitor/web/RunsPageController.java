package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.query.HeadlineSamples;
import dev.driftwatch.monitor.query.RunQueryService;
import dev.driftwatch.monitor.query.RunQueryService.RunFilter;
import dev.driftwatch.monitor.query.RunQueryService.RunPage;
import dev.driftwatch.monitor.query.RunQueryService.Sort;
import dev.driftwatch.monitor.run.RunView;
import dev.driftwatch.monitor.security.ProjectAccess;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * A project's runs: filter, search, sort and paginate through {@link RunQueryService}, each row with
 * its flags and reasons and a sparkline of its headline KL.
 */
@Controller
@UiPage
class RunsPageController {

    /** Runs per page. */
    static final int PAGE_SIZE = 25;

    private final ProjectAccess access;
    private final RunQueryService runs;
    private final HeadlineSamples samples;

    RunsPageController(ProjectAccess access, RunQueryService runs, HeadlineSamples samples) {
        this.access = access;
        this.runs = runs;
        this.samples = samples;
    }

    /**
     * A row of the list.
     *
     * @param run the run
     * @param spark its headline KL sparkline
     */
    record RunRow(RunView run, Sparkline spark) {}

    @GetMapping("/projects/{project}/runs")
    String list(@PathVariable String project, RunListParams params, Model model) {
        Project p = access.require(project);
        params.check();
        // a tag as typed, like the runs' tags it is compared with ("nightly " is not "nightly")
        String tag = params.tag() == null || params.tag().isBlank() ? null : params.tag();
        RunFilter filter = new RunFilter(tag, params.blankToNull(params.method()),
                params.blankToNull(params.status()), "flagged".equals(params.flag()) ? Boolean.TRUE : null,
                "parameter-heavy".equals(params.flag()) || "drifts-far".equals(params.flag()) ? params.flag() : null,
                null, null, params.blankToNull(params.q()));
        RunPage page = runs.list(p.getId(), filter, params.sortOrDefault(), params.ascending(), params.pageOrZero(),
                PAGE_SIZE);
        model.addAttribute("project", p);
        model.addAttribute("params", params);
        model.addAttribute("page", page);
        model.addAttribute("rows", rows(p, page.runs()));
        model.addAttribute("lastPage", Math.max(0, (page.total() - 1) / PAGE_SIZE));
        return "runs";
    }

    private List<RunRow> rows(Project p, List<RunView> views) {
        Map<String, HeadlineSamples.Samples> byKey = samples.ofRuns(p.getId(),
                views.stream().map(RunView::runKey).toList());
        HeadlineSamples.Samples none = new HeadlineSamples.Samples(new long[0], new double[0]);
        return views.stream().map(v -> {
            HeadlineSamples.Samples s = byKey.getOrDefault(v.runKey(), none);
            return new RunRow(v, Sparkline.of(s.steps(), s.values()));
        }).toList();
    }

    /**
     * The list's query parameters, bound from the request; builds the links that change one of them.
     *
     * @param q search text (name or key)
     * @param status run status
     * @param method fine-tuning method
     * @param flag parameter-heavy, drifts-far or flagged (both)
     * @param tag a tag
     * @param sort a {@link Sort} name
     * @param dir asc or desc, empty for the sort's natural direction
     * @param page page number from 0
     */
    record RunListParams(String q, String status, String method, String flag, String tag, String sort, String dir,
            Integer page) {

        /** The flags the list filters by (its menu's values). */
        static final List<String> FLAGS = List.of("flagged", "parameter-heavy", "drifts-far");

        /**
         * Refuses what the page's own links and menus never send (an audit's finding: an unknown sort, direction or
         * flag fell back to the default without a word, the list then not what was asked for).
         *
         * @throws ApiProblem 400 naming the parameter
         */
        void check() {
            List<ApiProblem.FieldProblem> problems = new java.util.ArrayList<>();
            if (sort != null && !sort.isBlank() && java.util.Arrays.stream(Sort.values()).noneMatch(s -> s.name()
                    .equals(sort))) {
                problems.add(new ApiProblem.FieldProblem("sort", "must be one of " + String.join(", ",
                        java.util.Arrays.stream(Sort.values()).map(Sort::name).toList())));
            }
            if (dir != null && !dir.isBlank() && !"asc".equals(dir) && !"desc".equals(dir)) {
                problems.add(new ApiProblem.FieldProblem("dir", "must be asc or desc"));
            }
            if (flag != null && !flag.isBlank() && !FLAGS.contains(flag)) {
                problems.add(new ApiProblem.FieldProblem("flag", "must be one of " + String.join(", ", FLAGS)));
            }
            if (!problems.isEmpty()) {
                throw ApiProblem.invalid(problems);
            }
        }

        public Sort sortOrDefault() {
            try {
                return sort == null || sort.isBlank() ? Sort.started : Sort.valueOf(sort);
            } catch (IllegalArgumentException e) {
                return Sort.started;
            }
        }

        Boolean ascending() {
            return "asc".equals(dir) ? Boolean.TRUE : "desc".equals(dir) ? Boolean.FALSE : null;
        }

        int pageOrZero() {
            return page == null || page < 0 ? 0 : page;
        }

        String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.strip();
        }

        /**
         * The link that sorts by a column: a new column in its natural direction (names A to Z, the
         * rest largest or newest first); clicking the current column again flips the direction.
         *
         * @param column a {@link Sort} name
         * @return the query string
         */
        public String sortLink(String column) {
            if (!column.equals(sortOrDefault().name())) {
                return link(column, null, 0);
            }
            boolean naturalAscending = sortOrDefault() == Sort.name;
            boolean nowAscending = ascending() == null ? naturalAscending : ascending();
            return link(column, nowAscending ? "desc" : "asc", 0);
        }

        /**
         * The link to another page of the same list.
         *
         * @param n the page number
         * @return the query string
         */
        public String pageLink(long n) {
            return link(sort, dir, n);
        }

        /**
         * The query string, each value form-encoded as the servlet decodes it: a {@code +}, {@code &},
         * {@code =}, {@code %} or brace in a search or tag comes back as typed (URI-template encoding
         * left {@code +}, which the servlet reads as a space, and {@code &} as it was).
         */
        private String link(String s, String d, long p) {
            StringJoiner query = new StringJoiner("&", "?", "");
            add(query, "q", q);
            add(query, "status", status);
            add(query, "method", method);
            add(query, "flag", flag);
            add(query, "tag", tag);
            add(query, "sort", s);
            add(query, "dir", d);
            if (p > 0) {
                add(query, "page", Long.toString(p));
            }
            return query.toString();
        }

        private static void add(StringJoiner query, String name, String value) {
            if (value != null && !value.isBlank()) {
                query.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
    }
}
