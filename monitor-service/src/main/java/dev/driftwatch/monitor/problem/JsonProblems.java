package dev.driftwatch.monitor.problem;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/** Turns a Jackson failure into a 400 naming the field (the path Jackson was at), never "Failed to read request". */
public final class JsonProblems {

    /** How Jackson's strict duplicate detection starts its message. */
    private static final String DUPLICATE = "Duplicate Object property";

    private JsonProblems() {}

    /**
     * The problem of a body Jackson could not bind.
     *
     * @param e the failure
     * @return a 400 naming the field, or {@code body} when no field is known
     */
    public static ApiProblem of(JacksonException e) {
        if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith(DUPLICATE)
                && e.processor() instanceof JsonParser parser) {
            return ApiProblem.invalid(valuePath(parser), "is given more than once");
        }
        String field = path(e);
        if (field.isEmpty()) {
            field = parsePath(e);
        }
        String message;
        if (e instanceof UnrecognizedPropertyException) {
            message = "is not a known field";
        } else if (e instanceof StreamConstraintsException) {
            message = "is too large: " + e.getOriginalMessage();
        } else if (e instanceof MismatchedInputException) {
            message = field.isEmpty() ? "must be a JSON object" : "is missing or has the wrong type";
        } else if (e.getLocation() != null && field.isEmpty()) {
            message = "is not valid JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
        } else {
            message = field.isEmpty() ? "is not valid JSON" : "has the wrong type";
        }
        return ApiProblem.invalid(field.isEmpty() ? "body" : field, message);
    }

    /**
     * Where the parser was when reading failed (malformed JSON, a broken surrogate in a name): the
     * enclosing object or array element, e.g. {@code checkpoints[1].slices[0]}.
     *
     * @param e the failure
     * @return the path, empty at the root or when no parser is known
     */
    public static String parsePath(JacksonException e) {
        if (!(e.processor() instanceof JsonParser parser)) {
            return "";
        }
        return contextPath(parser, false);
    }

    /**
     * The path of the value a parser is at, e.g. {@code checkpoints[1].metrics.js.mean}.
     *
     * @param parser a parser at a value token
     * @return the path, empty at the root
     */
    public static String valuePath(JsonParser parser) {
        return contextPath(parser, true);
    }

    private static String contextPath(JsonParser parser, boolean atValue) {
        List<TokenStreamContext> chain = new ArrayList<>();
        for (TokenStreamContext c = parser.streamReadContext(); c != null && !c.inRoot(); c = c.getParent()) {
            chain.add(0, c);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chain.size(); i++) {
            TokenStreamContext c = chain.get(i);
            if (c.inArray()) {
                sb.append('[').append(Math.max(0, c.getCurrentIndex())).append(']');
            } else if ((atValue || i < chain.size() - 1) && c.currentName() != null) {
                // the innermost object's current name may be the previous property (a broken name
                // is not decoded yet): name the object itself
                sb.append(sb.isEmpty() ? "" : ".").append(printable(c.currentName()));
            }
        }
        return sb.toString();
    }

    /**
     * The path of the field Jackson was reading, e.g. {@code condition.metric} or {@code channels[1].url}.
     *
     * @param e the failure
     * @return the path, empty at the root
     */
    public static String path(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(printable(ref.getPropertyName()));
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /**
     * A name safe to echo in an answer: control characters and surrogates shown as {@code \\uXXXX}.
     *
     * @param name a property or parameter name
     * @return the name, escaped where needed
     */
    public static String printable(String name) {
        boolean plain = true;
        for (int i = 0; i < name.length() && plain; i++) {
            char c = name.charAt(i);
            plain = !(Character.isISOControl(c) || Character.isSurrogate(c));
        }
        if (plain) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
