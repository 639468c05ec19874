package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.JsonProblems;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.util.JsonParserDelegate;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.jackson.JsonNodeDeserializer;
import tools.jackson.databind.module.SimpleModule;

/**
 * Refuses numbers too small for a double. Java reads {@code 1e-400} as 0, so a JSON body holding it would
 * store a value its author did not send, as an infinity would ({@code 1e400}, refused where each body is
 * bound); a number that rounds to a subnormal double is kept, rounded like any decimal. Every JSON body
 * of the service is read as a tree ({@code RequestBodyReader} for ingestion, Spring's converter for rules
 * and settings), so one tree deserializer sees every number: {@link #module()} in both mappers. The same
 * deserializer charges every token to the request's {@link ParseBudget}.
 */
public final class TinyNumbers {

    private TinyNumbers() {}

    /**
     * The Jackson module that makes tree reading refuse such numbers.
     *
     * @return a module replacing the deserializer of {@link JsonNode}
     */
    public static SimpleModule module() {
        return new SimpleModule("tiny-numbers").addDeserializer(JsonNode.class, new Refusing());
    }

    /**
     * Whether a JSON number's text has a digit other than 0 before its exponent: not zero, written as such.
     *
     * @param text a JSON number, e.g. {@code -0.0e5} or {@code 1e-400}
     * @return whether its value is not zero
     */
    static boolean nonZero(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 'e' || c == 'E') {
                return false;
            }
            if (c >= '1' && c <= '9') {
                return true;
            }
        }
        return false;
    }

    /** Jackson's own tree deserializer, reading through {@link Checked}. */
    private static final class Refusing extends ValueDeserializer<JsonNode> {

        private final ValueDeserializer<? extends JsonNode> trees = JsonNodeDeserializer.getDeserializer(JsonNode.class);

        @Override
        public JsonNode deserialize(JsonParser p, DeserializationContext ctxt) {
            ParseBudget.charge(ParseBudget.cost(p)); // the root, read before this
            return trees.deserialize(new Checked(p), ctxt);
        }

        @Override
        public JsonNode getNullValue(DeserializationContext ctxt) {
            return (JsonNode) trees.getNullValue(ctxt);
        }
    }

    /**
     * A parser whose doubles are never a nonzero number read as 0, and whose every token is charged to the
     * request's {@link ParseBudget} as it is read (the tree deserializer advances by these two methods).
     */
    private static final class Checked extends JsonParserDelegate {

        Checked(JsonParser d) {
            super(d);
        }

        @Override
        public JsonToken nextToken() {
            JsonToken t = super.nextToken();
            ParseBudget.charge(ParseBudget.cost(this));
            return t;
        }

        @Override
        public String nextName() {
            String name = super.nextName();
            ParseBudget.charge(ParseBudget.cost(this));
            return name;
        }

        @Override
        public double getDoubleValue() {
            double v = super.getDoubleValue();
            if (v == 0 && currentToken() == JsonToken.VALUE_NUMBER_FLOAT && nonZero(getString())) {
                throw ApiProblem.invalid(JsonProblems.valuePath(this), "is too small for a double: "
                        + abbreviated(getString()) + " is not 0, and the smallest double is 4.9e-324");
            }
            return v;
        }

        private static String abbreviated(String text) {
            return text.length() <= 40 ? text : text.substring(0, 37) + "...";
        }
    }
}
