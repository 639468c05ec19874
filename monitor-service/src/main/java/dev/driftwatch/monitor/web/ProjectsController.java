package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectRepository;
import dev.driftwatch.monitor.query.ProjectOverview;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

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
    String create(@RequestParam String key, @RequestParam String name, Model model, HttpServletResponse response) {
        String trimmed = name.strip();
        if (!Project.isValidKey(key) || trimmed.isEmpty() || trimmed.length() > 200) {
            return refused("The key must match " + Project.KEY_RULE
                    + " and not be . or .., and the name have 1 to 200 characters.", key, name, model, response);
        }
        if (projects.createIfAbsent(key, trimmed) == 0) {
            return refused("A project with the key '" + key + "' exists already.", key, name, model, response);
        }
        return "redirect:/projects/" + key + "/runs";
    }

    /** The list again with the form as sent and what was wrong: a 400 (nothing was created). */
    private String refused(String error, String key, String name, Model model, HttpServletResponse response) {
        response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
        model.addAttribute("projects", overview.all());
        model.addAttribute("error", error);
        model.addAttribute("sentKey", key);
        model.addAttribute("sentName", name);
        return "projects";
    }
}
