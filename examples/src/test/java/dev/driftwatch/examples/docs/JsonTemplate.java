package dev.driftwatch.examples.docs;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Compares a JSON document shown in the docs with the one the service really answered. The shown
 * document is a template of the real one:
 * <ul>
 *   <li>an object lists some of the real object's fields (the real one may have more);
 *   <li>an array lists the first elements of the real array;
 *   <li>strings, numbers (within 1e-9 relative), booleans and null are equal, except
 *       <em>generated</em> values: a timestamp matches any timestamp, a UUID any UUID, and a number
 *       under a key {@code id} or {@code ...Id} any number. Those ids are remembered in {@link Ids}
 *       so that a later example's path using the shown id reaches the real one.
 * </ul>
 */
final class JsonTemplate {

    private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private JsonTemplate() {}

    /**
     * Parses JSON text.
     *
     * @param text the text
     * @return maps, lists, numbers, strings, booleans or null
     * @throws IllegalArgumentException when it is not JSON
     */
    static Object parse(String text) {
        try {
            return JSON.std.anyFrom(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Lists where the real document differs from the shown one.
     *
     * @param shown the document in the docs
     * @param real the document the service sent
     * @param ids where generated ids are remembered
     * @return the differences, empty when it matches
     */
    static List<String> differences(Object shown, Object real, Ids ids) {
        List<String> out = new ArrayList<>();
        compare("$", null, shown, real, ids, out);
        return out;
    }

    private static void compare(String path, String key, Object shown, Object real, Ids ids, List<String> out) {
        if (shown instanceof Map<?, ?> m) {
            if (!(real instanceof Map<?, ?> r)) {
                out.add(path + ": shown an object, is " + describe(real));
                return;
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                if (!r.containsKey(k)) {
                    out.add(path + "." + k + ": shown, but the real answer has no such field (it has " + r.keySet() + ")");
                } else {
                    compare(path + "." + k, k, e.getValue(), r.get(k), ids, out);
                }
            }
        } else if (shown instanceof List<?> l) {
            if (!(real instanceof List<?> r)) {
                out.add(path + ": shown an array, is " + describe(real));
                return;
            }
            if (r.size() < l.size()) {
                out.add(path + ": shown " + l.size() + " element(s), the real array has " + r.size() + ": " + describe(real));
                return;
            }
            for (int i = 0; i < l.size(); i++) {
                compare(path + "[" + i + "]", null, l.get(i), r.get(i), ids, out);
            }
        } else if (shown instanceof Number n) {
            if (!(real instanceof Number rn)) {
                out.add(path + ": shown " + n + ", is " + describe(real));
            } else if (key != null && (key.equals("id") || key.endsWith("Id"))) {
                ids.learn(n.longValue(), rn.longValue());
            } else {
                double a = n.doubleValue();
                double b = rn.doubleValue();
                if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a))) {
                    out.add(path + ": shown " + n + ", is " + rn);
                }
            }
        } else if (shown instanceof String s) {
            if (!(real instanceof String rs)) {
                out.add(path + ": shown \"" + s + "\", is " + describe(real));
            } else if (TIMESTAMP.matcher(s).matches()) {
                if (!TIMESTAMP.matcher(rs).matches()) {
                    out.add(path + ": shown a timestamp, is \"" + rs + "\"");
                }
            } else if (UUID.matcher(s).matches()) {
                if (!UUID.matcher(rs).matches()) {
                    out.add(path + ": shown a UUID, is \"" + rs + "\"");
                }
            } else if (!s.equals(rs)) {
                out.add(path + ": shown \"" + s + "\", is \"" + rs + "\"");
            }
        } else if (shown == null ? real != null : !shown.equals(real)) {
            out.add(path + ": shown " + shown + ", is " + describe(real));
        }
    }

    private static String describe(Object real) {
        String s;
        try {
            s = real == null ? "null" : JSON.std.asString(real);
        } catch (IOException e) {
            s = String.valueOf(real);
        }
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** Generated ids: the value shown in the docs and the one the service really gave. */
    static final class Ids {

        private final Map<Long, Long> real = new java.util.HashMap<>();

        /**
         * Remembers an id.
         *
         * @param shown the id in the docs
         * @param actual the real id
         */
        void learn(long shown, long actual) {
            real.put(shown, actual);
        }

        /**
         * Replaces the shown ids in a path or query by the real ones.
         *
         * @param pathAndQuery e.g. {@code /api/v1/projects/demo/alert-rules/7}
         * @return the path with the real ids
         */
        String apply(String pathAndQuery) {
            java.util.regex.Matcher m = Pattern.compile("(?<=[/=])(\\d+)(?=$|[/?&#])").matcher(pathAndQuery);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                Long r = real.get(Long.parseLong(m.group(1)));
                m.appendReplacement(b, r == null ? m.group(1) : Long.toString(r));
            }
            m.appendTail(b);
            return b.toString();
        }
    }
}
