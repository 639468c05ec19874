package dev.driftwatch.contract;

import java.util.regex.Pattern;

/**
 * The run-key rule: a client-chosen key, unique within a project, of 1 to 128 characters from
 * {@code [A-Za-z0-9._:-]}, other than {@code .} and {@code ..} (a URL path normalises those away, so
 * no request could reach such a run). Together with the step it is a checkpoint's idempotency key.
 */
public final class RunKey {

    /** The rule as a regular expression, also the text quoted in error messages. */
    public static final String RULE = "[A-Za-z0-9._:-]{1,128}";
    /** What a 400 answer says about a bad run key. */
    public static final String PROBLEM = "must match " + RULE + " and not be . or ..";

    private static final Pattern PATTERN = Pattern.compile(RULE);

    private RunKey() {}

    /**
     * Tells whether a run key follows the rule.
     *
     * @param runKey the key, may be null
     * @return true when valid
     */
    public static boolean isValid(String runKey) {
        return runKey != null && PATTERN.matcher(runKey).matches() && !isDotSegment(runKey);
    }

    /**
     * Tells whether a key is {@code .} or {@code ..}, which a URL path cannot carry as a segment: clients
     * and servers normalise them away ({@code /runs/..} is the project). Project keys follow the same rule.
     *
     * @param key the key
     * @return true for the two dot segments
     */
    public static boolean isDotSegment(String key) {
        return ".".equals(key) || "..".equals(key);
    }

    /**
     * Checks a run key.
     *
     * @param runKey the key
     * @return the key
     * @throws IllegalArgumentException when it breaks the rule
     */
    public static String require(String runKey) {
        if (!isValid(runKey)) {
            throw new IllegalArgumentException("run key " + PROBLEM + ": " + runKey);
        }
        return runKey;
    }
}
