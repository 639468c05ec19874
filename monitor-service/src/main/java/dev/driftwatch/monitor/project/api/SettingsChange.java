package dev.driftwatch.monitor.project.api;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.FlagSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * A change of a project's flagging settings as {@code PUT /settings} receives it: the settings
 * given replace the current values, the ones left out keep theirs (so {@code {"klThreshold": 0.3}}
 * changes only the KL threshold). A field that is not a setting, or a setting that is not a number,
 * is a 400 naming it: settings are written by people, and a typo must not pass silently.
 *
 * @param values the settings given, by name
 */
record SettingsChange(Map<String, Double> values) {

    /** The settings, by their JSON name, with how to read each from the current settings. */
    private static final Map<String, Function<FlagSettings, Double>> SETTINGS = new LinkedHashMap<>();

    static {
        SETTINGS.put("trainableFractionThreshold", FlagSettings::trainableFractionThreshold);
        SETTINGS.put("klThreshold", FlagSettings::klThreshold);
        SETTINGS.put("driftFactor", FlagSettings::driftFactor);
        SETTINGS.put("lossTolerance", FlagSettings::lossTolerance);
    }

    /**
     * Reads a request body.
     *
     * @param body the JSON body
     * @return the change
     * @throws ApiProblem 400 naming every field that is not a setting or not a number
     */
    static SettingsChange of(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.invalid("body", "must be a JSON object of settings (" + String.join(", ", SETTINGS.keySet())
                    + ")");
        }
        Map<String, Double> values = new LinkedHashMap<>();
        List<ApiProblem.FieldProblem> problems = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (!SETTINGS.containsKey(e.getKey())) {
                problems.add(new ApiProblem.FieldProblem(e.getKey(),
                        "is not a setting; the settings are " + String.join(", ", SETTINGS.keySet())));
            } else if (!e.getValue().isNumber()) {
                problems.add(new ApiProblem.FieldProblem(e.getKey(), "must be a number"));
            } else {
                values.put(e.getKey(), e.getValue().asDouble());
            }
        }
        if (!problems.isEmpty()) {
            throw ApiProblem.invalid(problems);
        }
        return new SettingsChange(values);
    }

    /**
     * Applies the change.
     *
     * @param current the project's settings now
     * @return the settings after the change
     */
    FlagSettings applyTo(FlagSettings current) {
        Function<String, Double> value = name -> values.getOrDefault(name, SETTINGS.get(name).apply(current));
        return new FlagSettings(value.apply("trainableFractionThreshold"), value.apply("klThreshold"),
                value.apply("driftFactor"), value.apply("lossTolerance"));
    }
}
