package dev.driftwatch.contract;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of the wire contract, {@code major.minor}. A minor version only adds: optional fields
 * and metrics a reader may not know (the service stores unknown metrics and ignores unknown fields), so
 * every reader of a major version accepts all its minor versions, older and newer. A new major version
 * is a breaking change.
 *
 * <p>The plugin sends {@link #CURRENT} in the {@link #HEADER} header of every ingestion request; a
 * request without it is read as {@code 1.0}, the format before the header existed.
 */
public final class ContractVersion {

    /** The HTTP request header that carries the sender's contract version. */
    public static final String HEADER = "Driftwatch-Contract";
    /** The major version this contract implements. */
    public static final int MAJOR = 1;
    /** The minor version: 1 added unknown (newer) metrics being stored rather than rejected. */
    public static final int MINOR = 1;
    /** This contract's version, {@code major.minor}. */
    public static final String CURRENT = MAJOR + "." + MINOR;
    /** The version of a request that states none. */
    public static final String UNSTATED = MAJOR + ".0";
    /** What a reader of this contract accepts, as stated in answers and docs. */
    public static final String ACCEPTS = MAJOR + ".x";

    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,4})\\.([0-9]{1,4})");

    private ContractVersion() {}

    /**
     * Tells whether a reader of this contract reads the given version.
     *
     * @param version {@code major.minor}, or null for a sender that states none
     * @return true for null and for every {@code MAJOR.x}
     */
    public static boolean isAccepted(String version) {
        if (version == null) {
            return true;
        }
        Matcher m = FORMAT.matcher(version);
        return m.matches() && Integer.parseInt(m.group(1)) == MAJOR;
    }
}
