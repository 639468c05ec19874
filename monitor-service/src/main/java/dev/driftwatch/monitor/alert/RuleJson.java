package dev.driftwatch.monitor.alert;

import dev.driftwatch.monitor.problem.JsonProblems;
import dev.driftwatch.monitor.problem.ApiProblem;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Binds a rule body strictly: unknown fields and mistyped values are a 400 naming the field. */
final class RuleJson {

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private RuleJson() {}

    /**
     * Binds a request body.
     *
     * @param body the JSON body
     * @return the (not yet validated) request
     * @throws ApiProblem 400 for a body that is not a rule object
     */
    static AlertRuleRequest read(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.invalid("body", "must be a JSON object");
        }
        try {
            return STRICT.treeToValue(body, AlertRuleRequest.class);
        } catch (JacksonException e) {
            throw JsonProblems.of(e);
        }
    }
}
