package dev.driftwatch.plugin;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

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

    /**
     * Calls {@code call} on every item, even after one failed: a recoverable failure goes to
     * {@code onRecoverable} (to be logged), and the first failure that is not (a broken JVM's error) is thrown
     * once every item has had its call, so that what comes after it (flushing, closing, freeing) still runs.
     *
     * @param items the items, in order
     * @param call what to do with each
     * @param onRecoverable told of each recoverable failure and its item
     * @param <T> the items' type
     */
    public static <T> void each(Iterable<T> items, Consumer<T> call, BiConsumer<T, Throwable> onRecoverable) {
        Error broken = null;
        for (T item : items) {
            try {
                call.accept(item);
            } catch (Throwable e) { // NOPMD: sorted right here into what goes on up and what is logged
                if (recoverable(e)) {
                    onRecoverable.accept(item, e);
                } else if (broken == null) {
                    broken = (Error) e; // (every unrecoverable failure is an Error)
                }
            }
        }
        if (broken != null) {
            throw broken;
        }
    }
}
