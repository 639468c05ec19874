package dev.driftwatch.monitor.ingest;

/**
 * Builds rows in PostgreSQL's COPY text format: tab-separated columns, {@code \N} for null, and
 * backslash, tab, newline and carriage return escaped inside values.
 */
final class CopyText {

    private final StringBuilder sb;
    private boolean rowStart = true;

    CopyText(int capacity) {
        sb = new StringBuilder(capacity);
    }

    private StringBuilder next() {
        if (!rowStart) {
            sb.append('\t');
        }
        rowStart = false;
        return sb;
    }

    CopyText text(String value) {
        if (value == null) {
            next().append("\\N");
            return this;
        }
        StringBuilder out = next();
        if (!needsEscape(value)) {
            out.append(value);
            return this;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return this;
    }

    private static boolean needsEscape(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
                return true;
            }
        }
        return false;
    }

    CopyText number(long value) {
        next().append(value);
        return this;
    }

    CopyText number(double value) {
        next().append(value);
        return this;
    }

    CopyText number(Number value) {
        if (value == null) {
            next().append("\\N");
        } else {
            next().append(value);
        }
        return this;
    }

    CopyText bool(boolean value) {
        next().append(value ? 't' : 'f');
        return this;
    }

    /** Appends an array literal {@code {a,b,c}} of numbers or booleans; null elements become NULL. */
    CopyText array(Object[] values) {
        StringBuilder out = next().append('{');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            Object v = values[i];
            if (v == null) {
                out.append("NULL");
            } else if (v instanceof Boolean b) {
                out.append(b ? 't' : 'f');
            } else {
                out.append(v);
            }
        }
        out.append('}');
        return this;
    }

    CopyText endRow() {
        sb.append('\n');
        rowStart = true;
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
