package dev.driftwatch.monitor.ingest;

import dev.driftwatch.monitor.ingest.IngestConstraints.RunKeyOfPath;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.ApiProblem.FieldProblem;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.TraversableResolver;
import jakarta.validation.Validator;
import java.lang.annotation.ElementType;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hibernate.validator.HibernateValidatorFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.std.StdScalarDeserializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Binds an ingestion body (already parsed and checked for storable text, see {@link RequestBodyReader})
 * to its {@link IngestBodies} record and validates it with the Spring-managed Bean Validation
 * {@link Validator}; every problem of the body, typed or ranged, comes back in one 400 naming each
 * field by its JSON path ({@code checkpoints[3].metrics.kl_base_ft.mean}), up to {@value #MAX_PROBLEMS}.
 *
 * <p><b>Types</b> are Jackson's: a strict mapper with scalar coercion off (a number sent as a string is
 * refused, and a string, a boolean or a number where another of them is expected), no float as an
 * integer (so {@code 2.5} and {@code 2.0} are not integers), integers beyond a {@code long} refused by
 * the number reader, and a double deserializer that refuses what is not a finite number ({@code 1e400}).
 * Jackson stops at its first error, which would lose "every problem in one answer"; so the body is first
 * bound in one pass (the common case, a good body), and only when that fails does the binder descend:
 * a record's components, a list's elements and a map's values are bound one by one, each with the same
 * mapper, until the leaves that fail are found. Each such leaf is reported once with the type its record
 * component declares ({@code must be an integer}, {@code must be a finite number}, {@code must be a
 * string}, ...) and left null in the record.
 *
 * <p><b>Values</b> are the constraints': every rule is an annotation on {@link IngestBodies}, the
 * contract's own ones in {@link IngestConstraints}. A violation at a field that already has a type
 * problem (a null left by the binder) is dropped, so each field is named once. Problems are sorted by
 * path, array indices numerically, so the answer and its {@code detail} (the first) do not depend on
 * the validator's order.
 */
final class BodyBinder {

    /** Problems reported in one answer. */
    static final int MAX_PROBLEMS = 100;

    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // a newer plugin's fields are ignored
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            .addModule(new SimpleModule("finite-doubles").addDeserializer(Double.class, new FiniteDouble()))
            .build();

    /**
     * Every property is validated and cascaded, and the answer is not cached (see {@link #bind}). The
     * default resolver asks JPA, on the class path here, whether each property of each object is loaded,
     * and caches every answer; these records are no entities, and asking and caching took half the time
     * of validating a batch (a batch of 100 checkpoints with 14 metrics, 8 slices and 50 tensors each:
     * 55 ms instead of about 100 ms to bind and validate on the development machine).
     */
    private static final TraversableResolver EVERY_PROPERTY = new TraversableResolver() {
        @Override
        public boolean isReachable(Object bean, Path.Node property, Class<?> root, Path path, ElementType type) {
            return true;
        }

        @Override
        public boolean isCascadable(Object bean, Path.Node property, Class<?> root, Path path, ElementType type) {
            return true;
        }
    };

    private final Validator validator;

    BodyBinder(Validator validator) {
        this.validator = validator;
    }

    /**
     * Binds and validates a body.
     *
     * @param body the parsed body
     * @param type its record
     * @param runKey the run key of the path ({@link IngestConstraints.SameRunKey})
     * @param <T> the record
     * @return the valid record
     * @throws ApiProblem 400 naming every field at fault
     */
    <T> T bind(JsonNode body, Class<T> type, String runKey) {
        List<FieldProblem> typeProblems = new ArrayList<>();
        @SuppressWarnings("unchecked")
        T bound = (T) bind(body, type, "", typeProblems);
        if (bound == null && typeProblems.isEmpty()) {
            typeProblems.add(new FieldProblem("body", "must be an object")); // a JSON null
        }
        Set<FieldProblem> problems = new LinkedHashSet<>(typeProblems);
        if (bound != null) {
            Validator withPath = validator.unwrap(HibernateValidatorFactory.class).usingContext()
                    .traversableResolver(EVERY_PROPERTY).enableTraversableResolverResultCache(false)
                    .constraintValidatorPayload(new RunKeyOfPath(runKey)).getValidator();
            for (ConstraintViolation<T> v : withPath.validate(bound)) {
                String field = path(v.getPropertyPath());
                if (typeProblems.stream().noneMatch(t -> within(field, t.field()))) {
                    problems.add(new FieldProblem(field, v.getMessage()));
                }
            }
        }
        if (problems.isEmpty()) {
            return bound;
        }
        List<FieldProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparing((FieldProblem p) -> sortKey(p.field())).thenComparing(FieldProblem::message));
        throw ApiProblem.invalid(sorted.subList(0, Math.min(sorted.size(), MAX_PROBLEMS)));
    }

    /** Binds {@code node} as {@code type}, descending to the failing leaves when the whole does not bind. */
    private Object bind(JsonNode node, Type type, String path, List<FieldProblem> problems) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        try {
            return STRICT.treeToValue(node, STRICT.constructType(type));
        } catch (JacksonException e) {
            // find every field at fault below
        }
        Class<?> raw = raw(type);
        String where = path.isEmpty() ? "body" : path;
        if (raw.isRecord()) {
            if (!node.isObject()) {
                problems.add(new FieldProblem(where, "must be an object"));
                return null;
            }
            RecordComponent[] components = raw.getRecordComponents();
            Object[] values = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            int before = problems.size();
            for (int i = 0; i < components.length; i++) {
                String name = components[i].getName();
                values[i] = bind(node.get(name), components[i].getGenericType(), join(path, name), problems);
                types[i] = components[i].getType();
            }
            if (problems.size() == before) {
                problems.add(new FieldProblem(where, "must be an object")); // no component failed alone
            }
            try {
                Constructor<?> canonical = raw.getDeclaredConstructor(types);
                canonical.setAccessible(true);
                return canonical.newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot build " + raw.getSimpleName(), e);
            }
        }
        if (List.class.equals(raw)) {
            if (!node.isArray()) {
                problems.add(new FieldProblem(where, "must be an array"));
                return null;
            }
            Type element = argument(type, 0);
            List<Object> out = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                out.add(bind(node.get(i), element, path + "[" + i + "]", problems));
            }
            return out;
        }
        if (Map.class.equals(raw)) {
            if (!node.isObject()) {
                problems.add(new FieldProblem(where, "must be an object"));
                return null;
            }
            Type value = argument(type, 1);
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.put(e.getKey(), bind(e.getValue(), value, join(path, e.getKey()), problems));
            }
            return out;
        }
        problems.add(new FieldProblem(where, typeRule(raw)));
        return null;
    }

    /** What a JSON value of a leaf type must be. */
    private static String typeRule(Class<?> type) {
        if (Long.class.equals(type)) {
            return "must be an integer";
        }
        if (Double.class.equals(type)) {
            return "must be a finite number";
        }
        if (Boolean.class.equals(type)) {
            return "must be true or false";
        }
        if (String.class.equals(type)) {
            return "must be a string";
        }
        throw new IllegalArgumentException("no JSON type rule for " + type);
    }

    /**
     * Writes a violation's property path as the JSON path: list indices in brackets, map keys and
     * properties after a dot, the container element nodes of a list or map left out.
     *
     * @param path the path
     * @return e.g. {@code checkpoints[3].metrics.kl_base_ft.mean}, or {@code body} for the root
     */
    static String path(Path path) {
        StringBuilder sb = new StringBuilder();
        for (Path.Node n : path) {
            if (n.isInIterable() && n.getIndex() != null) {
                sb.append('[').append(n.getIndex()).append(']');
            } else if (n.isInIterable() && n.getKey() != null) {
                sb.append('.').append(n.getKey());
            }
            if (n.getKind() == ElementKind.PROPERTY && n.getName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(n.getName());
            }
        }
        return sb.isEmpty() ? "body" : sb.toString();
    }

    /** Whether {@code field} is {@code parent} or below it. */
    private static boolean within(String field, String parent) {
        return field.equals(parent) || parent.equals("body")
                || field.startsWith(parent) && (field.charAt(parent.length()) == '.' || field.charAt(parent.length()) == '[');
    }

    /** The path with each run of digits zero-padded, so {@code [10]} sorts after {@code [9]}. */
    private static String sortKey(String field) {
        Matcher m = DIGITS.matcher(field);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, "0".repeat(Math.max(0, 19 - m.group().length())) + m.group());
        }
        return m.appendTail(sb).toString();
    }

    private static String join(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type argument(Type type, int i) {
        return ((ParameterizedType) type).getActualTypeArguments()[i];
    }

    /** A JSON number a double holds as a finite value; anything else (a string, a boolean, 1e400) is refused. */
    private static final class FiniteDouble extends StdScalarDeserializer<Double> {

        FiniteDouble() {
            super(Double.class);
        }

        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) {
            JsonToken t = p.currentToken();
            if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                return (Double) ctxt.handleUnexpectedToken(Double.class, p);
            }
            double v = p.getDoubleValue();
            if (!Double.isFinite(v)) {
                return (Double) ctxt.handleWeirdNumberValue(Double.class, v, "not a finite number");
            }
            return v;
        }
    }
}
