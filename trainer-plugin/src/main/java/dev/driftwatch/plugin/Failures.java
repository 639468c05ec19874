package dev.driftwatch.plugin;

/**
 * What the plugin may catch and carry on from, so that measuring and shipping never end a training job.
 * Used by the listener, its sinks and the streaming client's sender thread; not meant for users' code (it may
 * change in any release).
 */
public final class Failures {

    private Failures() {}

    /**
     * Tells whether a failure of measuring, of a sink or of the sender is the plugin's to log and swallow:
     * anything but a broken virtual machine. Exceptions, and errors a plugin or a sink can cause with the JVM
     * intact (out of memory for one measurement or one batch, a stack overflow, an assertion under {@code -ea},
     * a class or method missing from a clashing library version, an {@link java.io.IOError} or a
     * {@link java.util.ServiceConfigurationError} from a library) are recoverable; the other
     * {@link VirtualMachineError}s (an internal error) and {@link ThreadDeath} propagate.
     *
     * @param t the failure
     * @return true to log it and go on
     */
    @SuppressWarnings("removal") // ThreadDeath: still thrown by Thread.stop where it exists
    public static boolean recoverable(Throwable t) {
        if (t instanceof ThreadDeath) {
            return false;
        }
        return !(t instanceof VirtualMachineError) || t instanceof OutOfMemoryError || t instanceof StackOverflowError;
    }
}
