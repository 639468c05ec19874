package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.flag.FlagService;
import dev.driftwatch.monitor.project.FlagSettings;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.security.ProjectAccess;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** A project's name and flagging thresholds; saving recomputes the flags of its runs. */
@Controller
@UiPage
@RequestMapping("/projects/{project}/settings")
class SettingsController {

    private final ProjectAccess access;
    private final ProjectRepository projects;
    private final FlagService flags;
    private final JdbcTemplate jdbc;

    SettingsController(ProjectAccess access, ProjectRepository projects, FlagService flags, JdbcTemplate jdbc) {
        this.access = access;
        this.projects = projects;
        this.flags = flags;
        this.jdbc = jdbc;
    }

    @GetMapping
    String show(@PathVariable String project, Model model) {
        Project p = access.require(project);
        model.addAttribute("project", p);
        model.addAttribute("settings", p.getFlagSettings());
        return "settings";
    }

    @PostMapping
    String save(@PathVariable String project, @RequestParam String name,
            @RequestParam double trainableFractionThreshold, @RequestParam double klThreshold,
            @RequestParam double driftFactor, @RequestParam double lossTolerance, RedirectAttributes redirect) {
        Project p = access.require(project);
        List<String> errors = new ArrayList<>();
        String trimmed = name.strip();
        if (trimmed.isEmpty() || trimmed.length() > 200) {
            errors.add("The name has 1 to 200 characters.");
        }
        if (!(trainableFractionThreshold >= 0 && trainableFractionThreshold <= 1)) {
            errors.add("The trainable fraction threshold is in [0, 1].");
        }
        if (!(klThreshold >= 0) || Double.isInfinite(klThreshold)) {
            errors.add("The KL threshold is a finite number >= 0.");
        }
        if (!(driftFactor >= 1) || Double.isInfinite(driftFactor)) {
            errors.add("The drift factor is a finite number >= 1.");
        }
        if (!(lossTolerance >= 0 && lossTolerance <= 1)) {
            errors.add("The loss tolerance is in [0, 1].");
        }
        if (!errors.isEmpty()) {
            redirect.addFlashAttribute("errors", errors);
            return "redirect:/projects/" + p.getKey() + "/settings";
        }
        p.setName(trimmed);
        p.setFlagSettings(new FlagSettings(trainableFractionThreshold, klThreshold, driftFactor, lossTolerance));
        projects.save(p);
        List<Long> runIds = jdbc.queryForList("SELECT id FROM run WHERE project_id = ?", Long.class, p.getId());
        runIds.forEach(flags::recompute);
        redirect.addFlashAttribute("saved", "Saved; the flags of " + runIds.size() + " runs were recomputed.");
        return "redirect:/projects/" + p.getKey() + "/settings";
    }
}
