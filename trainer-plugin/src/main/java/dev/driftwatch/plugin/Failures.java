package dev.driftwatch.plugin;

/** What the listener may catch and carry on from, so that measuring never ends a training job. */
final class Failures {

    private Failures() {}

    /**
     * Tells whether a failure of measuring or of a sink is the listener's to log and swallow: any
     * exception, and the errors a plugin or a sink can cause without the JVM being broken (out of memory
     * for one measurement, a stack overflow, an assertion under {@code -ea}, a class or method missing
     * from a clashing library version). Other virtual-machine errors (an internal error) propagate.
     *
     * @param t the failure
     * @return true to log it and go on
     */
    static boolean recoverable(Throwable t) {
        return t instanceof Exception || t instanceof OutOfMemoryError || t instanceof StackOverflowError
                || t instanceof AssertionError || t instanceof LinkageError;
    }
}
