package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.ContractVersion;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What driftwatch's command lines ({@code driftwatch-upload}, the demo's {@code run-demo.sh}) share:
 * picocli set up with short error messages, the {@code --version} text and the check of a service URL.
 */
public final class CommandLines {

    private CommandLines() {}

    /**
     * Returns a picocli command line for an annotated command: bad usage prints the problem (naming
     * the option), the command's synopsis and a pointer to {@code --help}, and exits with status 2.
     *
     * @param command the {@code @Command} object
     * @return the command line
     */
    public static CommandLine of(Object command) {
        return new CommandLine(command).setParameterExceptionHandler(CommandLines::shortError);
    }

    /** The problem, the synopsis of the command it is about, and where the full help is (not the whole help). */
    private static int shortError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getColorScheme().errorText(e.getMessage()));
        if (!UnmatchedArgumentException.printSuggestions(e, err)) {
            err.print(command.getHelp().fullSynopsis());
        }
        err.printf("Try '%s --help' for more information.%n", command.getCommandSpec().qualifiedName());
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** {@code --version}: the command's name, the plugin's version and the wire contract version it writes. */
    public static final class Version implements IVersionProvider {

        @Spec
        private CommandSpec spec;

        /** Creates the provider (picocli does). */
        public Version() {}

        @Override
        public String[] getVersion() {
            return new String[] {spec.root().name() + " " + IngestionClient.version() + " (wire contract "
                    + ContractVersion.CURRENT + ")"};
        }
    }

    /** A service's base URL: an absolute http(s) URL with a host. */
    public static final class HttpUrl implements ITypeConverter<URI> {

        /** Creates the converter (picocli does). */
        public HttpUrl() {}

        @Override
        public URI convert(String value) {
            return parse(value);
        }

        /**
         * Checks and parses a service URL.
         *
         * @param value the text, e.g. {@code http://localhost:8080}
         * @return the URL
         * @throws TypeConversionException with the reason, when it is not an http(s) URL with a host
         */
        public static URI parse(String value) {
            URI uri;
            try {
                uri = new URI(value.trim());
            } catch (URISyntaxException e) {
                throw new TypeConversionException("'" + value + "' is not a URL: " + e.getReason());
            }
            if (uri.getScheme() == null || !uri.getScheme().matches("(?i)https?") || uri.getHost() == null) {
                throw new TypeConversionException("'" + value + "' is not an http(s) URL such as"
                        + " http://localhost:8080");
            }
            return uri;
        }
    }
}
