package dev.driftwatch.monitor.query;

/** CSV quoting (RFC 4180), plus a guard against spreadsheet formula injection. */
final class Csv {

    private Csv() {}

    /**
     * Quotes a field when needed.
     *
     * @param value the text, may be null
     * @return the CSV field
     */
    static String field(String value) {
        if (value == null) {
            return "";
        }
        String v = value;
        // a cell starting with these is run as a formula by spreadsheets (OWASP's list: tab and carriage
        // return too, which some spreadsheets skip before reading the formula)
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0
                || !v.equals(value)) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }
}
