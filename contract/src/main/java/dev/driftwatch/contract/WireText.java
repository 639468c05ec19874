package dev.driftwatch.contract;

/**
 * The text rule of every string on the wire (names, tags, config values, statuses): no U+0000, which
 * PostgreSQL cannot store, no lone UTF-16 surrogate, which has no UTF-8 form, and no other control
 * character but tab, line feed and carriage return (C0, DEL, C1 such as U+0085 corrupt logs, CSV exports
 * and pages). The service refuses such text with a 400; the plugin refuses it where a user sets it.
 */
public final class WireText {

    private WireText() {}

    /**
     * Why a text breaks the rule, or null when it does not.
     *
     * @param s the text
     * @return the reason, e.g. {@code must not contain the control character U+0000 (at index 3)}, or null
     */
    public static String problem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                return String.format("must not contain the control character U+%04X (at index %d)", (int) c, i);
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return String.format("must not contain a lone surrogate U+%04X (at index %d)", (int) c, i);
            }
            if (Character.isLowSurrogate(c)) {
                return String.format("must not contain a lone surrogate U+%04X (at index %d)", (int) c, i);
            }
        }
        return null;
    }
}
