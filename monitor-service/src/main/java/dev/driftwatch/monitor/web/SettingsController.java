package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.edge.DecimalText;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.FlagSettings;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.project.ProjectSettingsService;
import dev.driftwatch.monitor.security.ProjectAccess;
import jakarta.servlet.http.HttpServletResponse;
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

    /**
     * The form's fields as text: the stored settings, or what the user sent when it was refused (shown again as
     * typed, so that one wrong field never costs the user the others).
     */
    record SettingsForm(String name, String trainableFractionThreshold, String klThreshold, String driftFactor,
            String lossTolerance) {

        static SettingsForm of(Project p) {
            FlagSettings s = p.getFlagSettings();
            return new SettingsForm(p.getName(), String.valueOf(s.trainableFractionThreshold()),
                    String.valueOf(s.klThreshold()), String.valueOf(s.driftFactor()), String.valueOf(s.lossTolerance()));
        }
    }

    @GetMapping
    String show(@PathVariable String project, Model model) {
        Project p = access.require(project);
        model.addAttribute("project", p);
        model.addAttribute("form", SettingsForm.of(p));
        return "settings";
    }

    @PostMapping
    String save(@PathVariable String project, @RequestParam String name,
            @RequestParam String trainableFractionThreshold, @RequestParam String klThreshold,
            @RequestParam String driftFactor, @RequestParam String lossTolerance, RedirectAttributes redirect,
            Model model, HttpServletResponse response) {
        Project p = access.require(project);
        SettingsForm sent = new SettingsForm(name, trainableFractionThreshold, klThreshold, driftFactor, lossTolerance);
        String trimmed = asShown(p.getName()).equals(name) ? p.getName() : name.strip();
        String back = "redirect:/projects/" + p.getKey() + "/settings";
        if (trimmed.isEmpty() || trimmed.length() > 200) {
            return refused(p, sent, List.of("The name has 1 to 200 characters."), model, response);
        }
        // read here, not bound as doubles: Spring's binding takes 0x1p3 for 8 and answers 'abc' with a bare 400
        List<String> errors = new ArrayList<>();
        double fraction = decimal("trainableFractionThreshold", trainableFractionThreshold, errors);
        double kl = decimal("klThreshold", klThreshold, errors);
        double factor = decimal("driftFactor", driftFactor, errors);
        double tolerance = decimal("lossTolerance", lossTolerance, errors);
        if (!errors.isEmpty()) {
            return refused(p, sent, errors, model, response);
        }
        try {
            // one user action, one transaction: the name and the settings change together or not at all
            settings.update(p.getId(), trimmed, new FlagSettings(fraction, kl, factor, tolerance));
        } catch (ApiProblem e) {
            return refused(p, sent, e.getErrors().stream().map(f -> f.field() + " " + f.message()).toList(), model,
                    response);
        }
        redirect.addFlashAttribute("saved", "Saved; the flags of the project's runs were recomputed.");
        return back;
    }

    /**
     * A name as the form's one-line field holds it: without line breaks, which the HTML standard has a
     * browser strip from a text field's value. That name sent back is the stored one, not an edit (a name
     * with a line break comes from the API; saving the thresholds must not rename the project).
     */
    private static String asShown(String name) {
        return name.replace("\r", "").replace("\n", "");
    }

    /** The form again, as sent, with its errors: a 400 (nothing was saved). */
    private static String refused(Project p, SettingsForm sent, List<String> errors, Model model,
            HttpServletResponse response) {
        response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
        model.addAttribute("project", p);
        model.addAttribute("form", sent);
        model.addAttribute("errors", errors);
        return "settings";
    }

    /** A field's decimal number; NaN (refused by the settings' own checks) with an error when it is not one. */
    private static double decimal(String field, String text, List<String> errors) {
        try {
            return DecimalText.parse(text);
        } catch (NumberFormatException e) {
            errors.add(field + " " + DecimalText.problem(e, "must be a decimal number, e.g. 0.5"));
            return Double.NaN;
        }
    }
}
