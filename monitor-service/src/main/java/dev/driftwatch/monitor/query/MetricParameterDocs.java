package dev.driftwatch.monitor.query;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Scalar;
import dev.driftwatch.contract.Statistic;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.springdoc.core.customizers.ParameterCustomizer;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;

/**
 * Describes the query parameters {@code metric}, {@code stat} and {@code points} in the OpenAPI
 * document from the contract's lists, so the served description names every metric with its unit
 * and range and cannot fall behind the code (docs/api/README.md, "Metrics", says the same).
 */
@Component
class MetricParameterDocs implements ParameterCustomizer {

    /** The metric parameter's description: every name with its unit and range. */
    static final String METRIC = "The metric, by its name (default kl_base_ft). Distribution metrics, with a stat: "
            + Arrays.stream(Metric.values())
                    .map(m -> m.wireName() + " (" + m.unit().symbol() + ", " + m.range().text() + ")")
                    .collect(Collectors.joining(", "))
            + ". Scalars, one number per checkpoint: "
            + Arrays.stream(Scalar.values())
                    .map(s -> s.wireName() + " (" + (s.unit().isEmpty() ? "the trainer's unit" : s.unit()) + ", "
                            + s.range().text() + ")")
                    .collect(Collectors.joining(", "))
            + ". Any other task metric or a newer plugin's metric by its name. Earlier spellings are answered"
            + " with these names: param:globalRelativeL2, param:trainableFraction, task:<name>.";

    @Override
    public Parameter customize(Parameter parameter, MethodParameter method) {
        if (parameter == null || !"query".equals(parameter.getIn())) {
            return parameter;
        }
        switch (parameter.getName()) {
            case "metric" -> parameter.setDescription(METRIC);
            case "stat" -> parameter.setDescription("The statistic of a distribution metric (default mean): "
                    + String.join(", ", Statistic.allWireNames()) + "; scalars have none.");
            case "points" -> {
                parameter.setDescription("The most points returned, " + TrajectoryService.MIN_POINTS + " to "
                        + TrajectoryService.MAX_POINTS + "; each bucket keeps its first, last, minimum and maximum.");
                if (parameter.getSchema() != null) {
                    parameter.getSchema().setMinimum(BigDecimal.valueOf(TrajectoryService.MIN_POINTS));
                    parameter.getSchema().setMaximum(BigDecimal.valueOf(TrajectoryService.MAX_POINTS));
                }
            }
            default -> { }
        }
        return parameter;
    }
}
