package dev.driftwatch.monitor.web;

import dev.driftwatch.monitor.alert.AlertRuleRequest;
import dev.driftwatch.monitor.alert.AlertRuleService;
import dev.driftwatch.monitor.alert.notify.ChannelType;
import dev.driftwatch.monitor.alert.ConditionType;
import dev.driftwatch.monitor.alert.MetricNames;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.security.ProjectAccess;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;

/** The alert rules of a project: list, create, edit and delete through the alerting service. */
@Controller
@UiPage
@RequestMapping("/projects/{project}/rules")
class RulesController {

    private final ProjectAccess access;
    private final AlertRuleService rules;

    RulesController(ProjectAccess access, AlertRuleService rules) {
        this.access = access;
        this.rules = rules;
    }

    @GetMapping
    String list(@PathVariable String project, Model model) {
        Project p = access.require(project);
        return editor(model, p, RuleForm.empty(), null, List.of());
    }

    @GetMapping("/{ruleId}")
    String edit(@PathVariable String project, @PathVariable long ruleId, Model model) {
        Project p = access.require(project);
        return editor(model, p, RuleForm.of(rules.get(p, ruleId)), ruleId, List.of());
    }

    @PostMapping
    String create(@PathVariable String project, @ModelAttribute RuleForm form, HttpServletRequest request,
            HttpServletResponse response, Model model) {
        Project p = access.require(project);
        form = form.withChannelRowsAsPosted(request::getParameterValues);
        try {
            rules.create(p, form.toRequest());
        } catch (ApiProblem e) {
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST); // the form again, with its errors: a 400
            return editor(model, p, form, null, e.getErrors());
        }
        return "redirect:/projects/" + p.getKey() + "/rules";
    }

    @PostMapping("/{ruleId}")
    String update(@PathVariable String project, @PathVariable long ruleId, @ModelAttribute RuleForm form,
            HttpServletRequest request, HttpServletResponse response, Model model) {
        Project p = access.require(project);
        form = form.withChannelRowsAsPosted(request::getParameterValues).keepingWhatTheFormCouldNotShow(RuleForm.of(rules.get(p, ruleId)));
        try {
            rules.update(p, ruleId, form.toRequest());
        } catch (ApiProblem e) {
            if (e.getErrors().isEmpty()) {
                throw e;
            }
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            return editor(model, p, form, ruleId, e.getErrors());
        }
        return "redirect:/projects/" + p.getKey() + "/rules";
    }

    @PostMapping("/{ruleId}/delete")
    String delete(@PathVariable String project, @PathVariable long ruleId) {
        Project p = access.require(project);
        rules.delete(p, ruleId);
        return "redirect:/projects/" + p.getKey() + "/rules";
    }

    private String editor(Model model, Project p, RuleForm form, Long editing,
            List<ApiProblem.FieldProblem> errors) {
        AlertRuleService.Listing all = rules.listing(p);
        model.addAttribute("project", p);
        model.addAttribute("rules", all.rules());
        model.addAttribute("unreadable", all.unreadable());
        model.addAttribute("form", form);
        model.addAttribute("editing", editing);
        model.addAttribute("errors", errors);
        model.addAttribute("types", ConditionType.wireNames());
        model.addAttribute("severities", AlertRuleRequest.SEVERITIES);
        model.addAttribute("metricNames", MetricNames.ALL);
        model.addAttribute("aggregates", MetricNames.AGGREGATES);
        model.addAttribute("channelTypes", ChannelType.wireNames());
        return "rules";
    }
}
