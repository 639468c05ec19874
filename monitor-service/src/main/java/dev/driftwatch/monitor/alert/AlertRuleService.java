package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.alert.notify.Notifiers;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import java.util.List;
import org.springframework.http.HttpStatus;
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

    /**
     * The most rules (not deleted) a project keeps: every upload evaluates each rule on each checkpoint and
     * slice, so their number bounds an upload's cost (100 rules on 20 checkpoints of 100 slices took ~7 s;
     * an audit's 1000 rules made a 16 MB upload take 180 s).
     */
    public static final int MAX_RULES_PER_PROJECT = 200;

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
        return listing(project).rules();
    }

    /**
     * Lists a project's rules, with those this version cannot read apart (not evaluated; they can be
     * replaced or deleted), from one reading of them.
     *
     * @param project the project
     * @return both lists, oldest first
     */
    @Transactional(readOnly = true)
    public Listing listing(Project project) {
        RuleStore.Rows rows = rules.ofProject(project.getId());
        return new Listing(rows.rules(), rows.unreadable());
    }

    /**
     * A project's rules.
     *
     * @param rules the rules this version can read
     * @param unreadable the ones it cannot
     */
    public record Listing(List<AlertRule> rules, List<UnreadableRule> unreadable) {}

    /**
     * Returns one rule.
     *
     * @param project the project
     * @param ruleId the rule's id
     * @return the rule
     * @throws ApiProblem 404 when the project has no such rule, 409 when this version cannot read it
     */
    @Transactional(readOnly = true)
    public AlertRule get(Project project, long ruleId) {
        RuleStore.Rows found = existing(project, ruleId);
        if (found.rules().isEmpty()) {
            UnreadableRule u = found.unreadable().get(0);
            // the request is fine; what is stored is not: not a 400, which would blame the caller
            throw new ApiProblem(HttpStatus.CONFLICT, "unreadable-rule", "Rule cannot be read",
                    "alert rule " + ruleId + " is stored in a form this version cannot read (" + u.reason()
                            + "); replace it (PUT) or delete it", List.of());
        }
        return found.rules().get(0);
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
        if (rules.countLive(project.getId()) >= MAX_RULES_PER_PROJECT) {
            throw ApiProblem.invalid("rules", "a project has at most " + MAX_RULES_PER_PROJECT
                    + " alert rules: delete or change one instead");
        }
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
        endOpenAlerts(existing(project, ruleId), ruleId, "rule changed");
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
        endOpenAlerts(existing(project, ruleId), ruleId, "rule deleted");
        rules.markDeleted(ruleId);
    }

    /** The rule, read the tolerant way (one this version cannot read is still there to replace or delete). */
    private RuleStore.Rows existing(Project project, long ruleId) {
        RuleStore.Rows found = rules.lookup(project.getId(), ruleId);
        if (found.rules().isEmpty() && found.unreadable().isEmpty()) {
            throw notFound(ruleId);
        }
        return found;
    }

    /** Locks the rule and ends its open alerts, before it changes or goes. */
    private void endOpenAlerts(RuleStore.Rows found, long ruleId, String note) {
        rules.lock(ruleId);
        // (null for a rule this version cannot read: an older version's, or a hand edit)
        evaluator.endOpenAlerts(ruleId, found.rules().isEmpty() ? null : found.rules().get(0), note);
    }

    private static ApiProblem notFound(long ruleId) {
        return ApiProblem.notFound("alert rule " + ruleId);
    }
}
