package dev.driftwatch.monitor.edge;

import java.util.regex.Pattern;

/**
 * A number a person typed (a UI form field, a query parameter) read as plain decimal text, as JSON writes
 * numbers: {@code 0.5}, {@code -2}, {@code 1e-3}, {@code .5}. Java's own parser also takes hexadecimal
 * ({@code 0x1p3} is 8), type suffixes ({@code 0.5d}, {@code 2f}), {@code NaN} and {@code Infinity}, none of
 * which the JSON API takes; a form or query that did would store a value its author did not write.
 */
public final class DecimalText {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]+");

    private DecimalText() {}

    /**
     * Reads a whole number written in ASCII decimal digits with an optional sign, and nothing else:
     * {@link Long#parseLong} also takes full-width and other Unicode digits, and Spring's conversion
     * {@code 0x10}, {@code #10} and white space inside the text.
     *
     * @param text the text, as it is (no white space is ignored)
     * @return its value
     * @throws NumberFormatException when the text is not such a number, or beyond a long
     */
    public static long parseLong(String text) {
        return Long.parseLong(whole(text));
    }

    /**
     * Reads a whole number as {@link #parseLong} does, within an int.
     *
     * @param text the text, as it is
     * @return its value
     * @throws NumberFormatException when the text is not such a number, or beyond an int
     */
    public static int parseInt(String text) {
        return Integer.parseInt(whole(text));
    }

    private static String whole(String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new NumberFormatException("not a decimal whole number");
        }
        return text;
    }

    /** The message of {@link #parse}'s refusal of a number nearer 0 than a double holds (e.g. {@code 1e-400}). */
    public static final String TOO_SMALL = "is too small for a double (nearer 0 than 4.9e-324): write 0 for zero";

    /**
     * What a form says of a field whose text {@link #parse} refused.
     *
     * @param e the refusal
     * @param otherwise the message for text that is no decimal number at all
     * @return {@link #TOO_SMALL} for a number a double cannot hold, else {@code otherwise}
     */
    public static String problem(NumberFormatException e, String otherwise) {
        return TOO_SMALL.equals(e.getMessage()) ? TOO_SMALL : otherwise;
    }

    /**
     * Reads a decimal number, rounded to the nearest double; one beyond the double range is infinite, one
     * too small for it ({@code 1e-400}, which Java reads as 0) an error.
     *
     * @param text the text, surrounding white space ignored
     * @return its value
     * @throws NumberFormatException when the text is not a plain decimal number
     */
    public static double parse(String text) {
        String t = text.strip();
        if (!DECIMAL.matcher(t).matches()) {
            throw new NumberFormatException("not a decimal number");
        }
        double v = Double.parseDouble(t);
        if (v == 0 && TinyNumbers.nonZero(t)) {
            throw new NumberFormatException(TOO_SMALL);
        }
        return v;
    }
}
