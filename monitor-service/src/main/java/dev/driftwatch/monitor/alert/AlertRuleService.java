package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.Notifiers;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates, changes and deletes alert rules; the API controller and the UI's rules editor both use
 * it. Every write validates first ({@link RuleValidator}): a bad rule is an {@link ApiProblem} 400
 * naming the fields and changes nothing. Changing or deleting a rule ends its open alerts (firing
 * ones are resolved and notified), since they were raised under the old definition.
 */
@Service
public class AlertRuleService {

    private final RuleStore rules;
    private final AlertEvaluator evaluator;
    private final Notifiers notifiers;

    AlertRuleService(RuleStore rules, AlertEvaluator evaluator, Notifiers notifiers) {
        this.rules = rules;
        this.evaluator = evaluator;
        this.notifiers = notifiers;
    }

    /**
     * Lists a project's rules.
     *
     * @param project the project
     * @return its rules, oldest first
     */
    @Transactional(readOnly = true)
    public List<AlertRule> list(Project project) {
        return rules.list(project.getId());
    }

    /**
     * Returns one rule.
     *
     * @param project the project
     * @param ruleId the rule's id
     * @return the rule
     * @throws ApiProblem 404 when the project has no such rule
     */
    @Transactional(readOnly = true)
    public AlertRule get(Project project, long ruleId) {
        return rules.find(project.getId(), ruleId).orElseThrow(() -> notFound(ruleId));
    }

    /**
     * Validates and stores a new rule.
     *
     * @param project the project
     * @param request the rule
     * @return the stored rule
     * @throws ApiProblem 400 naming the invalid fields
     */
    @Transactional
    public AlertRule create(Project project, AlertRuleRequest request) {
        AlertRuleRequest valid = RuleValidator.validate(request, notifiers);
        long id = rules.insert(project.getId(), valid);
        return get(project, id);
    }

    /**
     * Replaces a rule's definition; its open alerts end (firing ones resolve and notify).
     *
     * @param project the project
     * @param ruleId the rule's id
     * @param request the new definition
     * @return the stored rule
     * @throws ApiProblem 400 naming the invalid fields, 404 for an unknown rule
     */
    @Transactional
    public AlertRule update(Project project, long ruleId, AlertRuleRequest request) {
        AlertRuleRequest valid = RuleValidator.validate(request, notifiers);
        AlertRule old = get(project, ruleId);
        rules.lock(ruleId);
        evaluator.endOpenAlerts(old, "rule changed");
        rules.update(ruleId, valid);
        return get(project, ruleId);
    }

    /**
     * Deletes a rule; its alerts' history is kept and its open alerts end.
     *
     * @param project the project
     * @param ruleId the rule's id
     * @throws ApiProblem 404 for an unknown rule
     */
    @Transactional
    public void delete(Project project, long ruleId) {
        RuleStore.Rows found = rules.lookup(project.getId(), ruleId);
        if (found.rules().isEmpty() && found.unreadable().isEmpty()) {
            throw notFound(ruleId);
        }
        rules.lock(ruleId);
        if (found.rules().isEmpty()) {
            // a rule this version cannot read (an older version's, or a hand edit): it never evaluated
            // here, so it has nothing to end; without this it could not be deleted at all
            rules.markDeleted(ruleId);
            return;
        }
        AlertRule old = found.rules().get(0);
        evaluator.endOpenAlerts(old, "rule deleted");
        rules.markDeleted(ruleId);
    }


    private static ApiProblem notFound(long ruleId) {
        return ApiProblem.notFound("alert rule " + ruleId);
    }
}
