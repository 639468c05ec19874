package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The list of projects, and creating one. */
@Controller
@UiPage
class ProjectsController {

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final ProjectRepository projects;
    private final JdbcTemplate jdbc;

    ProjectsController(ProjectRepository projects, JdbcTemplate jdbc) {
        this.projects = projects;
        this.jdbc = jdbc;
    }

    /**
     * A project row of the list.
     *
     * @param key URL key
     * @param name display name
     * @param createdAt creation time
     * @param runs number of runs
     * @param flagged runs that are parameter-heavy and drift far
     */
    record ProjectRow(String key, String name, Instant createdAt, long runs, long flagged) {}

    @GetMapping("/")
    String home() {
        List<Project> all = projects.findAll();
        return all.size() == 1 ? "redirect:/projects/" + all.get(0).getKey() + "/runs" : "redirect:/projects";
    }

    @GetMapping("/projects")
    String list(Model model) {
        List<ProjectRow> rows = jdbc.query("""
                SELECT p.project_key, p.name, p.created_at, count(r.id),
                       count(r.id) FILTER (WHERE r.flag_parameter_heavy AND r.flag_drifts_far)
                FROM project p LEFT JOIN run r ON r.project_id = p.id
                GROUP BY p.id ORDER BY p.name""",
                (rs, n) -> new ProjectRow(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                        rs.getLong(4), rs.getLong(5)));
        model.addAttribute("projects", rows);
        return "projects";
    }

    @PostMapping("/projects")
    String create(@RequestParam String key, @RequestParam String name, RedirectAttributes redirect) {
        String trimmed = name.strip();
        if (!KEY.matcher(key).matches() || trimmed.isEmpty() || trimmed.length() > 200) {
            redirect.addFlashAttribute("error", "The key must match [A-Za-z0-9._-]{1,64} and the name have 1 to 200 characters.");
            return "redirect:/projects";
        }
        if (projects.findByKey(key).isPresent()) {
            redirect.addFlashAttribute("error", "A project with the key '" + key + "' exists already.");
            return "redirect:/projects";
        }
        projects.save(new Project(key, trimmed));
        return "redirect:/projects/" + key + "/runs";
    }
}
