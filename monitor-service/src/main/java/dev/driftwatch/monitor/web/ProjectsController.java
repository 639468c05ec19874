package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.query.ProjectOverview;
import java.util.List;
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

    private final ProjectRepository projects;
    private final ProjectOverview overview;

    ProjectsController(ProjectRepository projects, ProjectOverview overview) {
        this.projects = projects;
        this.overview = overview;
    }

    @GetMapping("/")
    String home() {
        List<Project> all = projects.findAll();
        return all.size() == 1 ? "redirect:/projects/" + all.get(0).getKey() + "/runs" : "redirect:/projects";
    }

    @GetMapping("/projects")
    String list(Model model) {
        model.addAttribute("projects", overview.all());
        return "projects";
    }

    @PostMapping("/projects")
    String create(@RequestParam String key, @RequestParam String name, RedirectAttributes redirect) {
        String trimmed = name.strip();
        if (!Project.isValidKey(key) || trimmed.isEmpty() || trimmed.length() > 200) {
            redirect.addFlashAttribute("error", "The key must match " + Project.KEY_RULE
                    + " and not be . or .., and the name have 1 to 200 characters.");
            return "redirect:/projects";
        }
        if (projects.createIfAbsent(key, trimmed) == 0) {
            redirect.addFlashAttribute("error", "A project with the key '" + key + "' exists already.");
            return "redirect:/projects";
        }
        return "redirect:/projects/" + key + "/runs";
    }
}
