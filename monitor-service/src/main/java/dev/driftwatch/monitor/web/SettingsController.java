package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.edge.DecimalText;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.FlagSettings;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectSettingsService;
import dev.driftwatch.monitor.security.ProjectAccess;
import java.util.ArrayList;
import java.util.List;
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
    private final ProjectSettingsService settings;

    SettingsController(ProjectAccess access, ProjectSettingsService settings) {
        this.access = access;
        this.settings = settings;
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
            @RequestParam String trainableFractionThreshold, @RequestParam String klThreshold,
            @RequestParam String driftFactor, @RequestParam String lossTolerance, RedirectAttributes redirect) {
        Project p = access.require(project);
        String trimmed = name.strip();
        String back = "redirect:/projects/" + p.getKey() + "/settings";
        if (trimmed.isEmpty() || trimmed.length() > 200) {
            redirect.addFlashAttribute("errors", List.of("The name has 1 to 200 characters."));
            return back;
        }
        // read here, not bound as doubles: Spring's binding takes 0x1p3 for 8 and answers 'abc' with a bare 400
        List<String> errors = new ArrayList<>();
        double fraction = decimal("trainableFractionThreshold", trainableFractionThreshold, errors);
        double kl = decimal("klThreshold", klThreshold, errors);
        double factor = decimal("driftFactor", driftFactor, errors);
        double tolerance = decimal("lossTolerance", lossTolerance, errors);
        if (!errors.isEmpty()) {
            redirect.addFlashAttribute("errors", errors);
            return back;
        }
        try {
            // one user action, one transaction: the name and the settings change together or not at all
            settings.update(p.getId(), trimmed, new FlagSettings(fraction, kl, factor, tolerance));
        } catch (ApiProblem e) {
            redirect.addFlashAttribute("errors",
                    e.getErrors().stream().map(f -> f.field() + " " + f.message()).toList());
            return back;
        }
        redirect.addFlashAttribute("saved", "Saved; the flags of the project's runs were recomputed.");
        return back;
    }

    /** A field's decimal number; NaN (refused by the settings' own checks) with an error when it is not one. */
    private static double decimal(String field, String text, List<String> errors) {
        try {
            return DecimalText.parse(text);
        } catch (NumberFormatException e) {
            errors.add(field + " must be a decimal number, e.g. 0.5");
            return Double.NaN;
        }
    }
}
