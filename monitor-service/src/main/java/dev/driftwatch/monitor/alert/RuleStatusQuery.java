package dev.driftwatch.monitor.alert;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the alert rules watching a run last saw on it, firing or not: the run page's answer to "why is
 * this rule (not) firing?".
 */
@Service
public class RuleStatusQuery {

    private final JdbcTemplate jdbc;
    private final RuleStore rules;

    RuleStatusQuery(JdbcTemplate jdbc, RuleStore rules) {
        this.jdbc = jdbc;
        this.rules = rules;
    }

    /**
     * One rule's status on a run.
     *
     * @param ruleId the rule
     * @param name its name
     * @param condition its condition in words
     * @param state {@code firing} or {@code pending} while an alert of the rule is open on the run, else
     *     {@code holds} or {@code ok} from the last observation
     * @param step the step of the last observation
     * @param summary what the rule saw there, in words
     */
    public record RuleStatus(long ruleId, String name, String condition, String state, long step, String summary) {}

    /**
     * Lists the enabled rules that evaluated the run, by rule name.
     *
     * @param runId the run
     * @return their statuses; empty when no rule has seen the run
     */
    @Transactional(readOnly = true)
    public List<RuleStatus> ofRun(long runId) {
        return jdbc.query("""
                SELECT s.rule_id, s.step, s.holds, s.summary,
                    (SELECT min(a.state) FROM alert a WHERE a.rule_id = s.rule_id AND a.run_id = s.run_id
                        AND a.state IN ('firing', 'pending')) AS open_state, ar.name
                FROM rule_run_status s JOIN alert_rule ar ON ar.id = s.rule_id
                WHERE s.run_id = ? AND ar.enabled AND ar.deleted_at IS NULL ORDER BY lower(ar.name), s.rule_id
                """, (rs, i) -> {
            long ruleId = rs.getLong(1);
            String open = rs.getString(5);
            String state = open != null ? open : rs.getBoolean(3) ? "holds" : "ok";
            return new RuleStatus(ruleId, rs.getString(6), condition(ruleId), state, rs.getLong(2), rs.getString(4));
        }, runId);
    }

    /**
     * A rule's condition in words; for a rule whose stored condition this version cannot read, says so
     * (the run page still shows the other rules, and this one's status says why it was not evaluated).
     */
    private String condition(long ruleId) {
        return rules.findAnyReadable(ruleId)
                .map(rule -> ConditionEvaluator.describe(rule.condition(), rule.forCheckpoints()))
                .orElse("cannot be read");
    }
}
