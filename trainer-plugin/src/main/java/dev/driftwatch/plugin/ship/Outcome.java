package dev.driftwatch.plugin.ship;

import java.util.List;

/** How one request to the service ended, after the retry loop. */
sealed interface Outcome {

    /**
     * The service accepted the request (2xx).
     *
     * @param status the HTTP status
     * @param body the response body, possibly empty
     */
    record Delivered(int status, String body) implements Outcome {}

    /**
     * The service could not be reached, or answered only with transient errors, until the retry loop's
     * time was up (or the sender was interrupted).
     *
     * @param reason what went wrong last, for the log
     * @param answered whether the service did answer, with its own fault (a 500): it is up, and a probe
     *     that got this may replay the spool with retries, where a record the service keeps failing on is
     *     found and set aside
     */
    record Unreachable(String reason, boolean answered) implements Outcome {

        /**
         * No answer, or only transient ones.
         *
         * @param reason what went wrong last
         */
        Unreachable(String reason) {
            this(reason, false);
        }
    }

    /**
     * The service refused the request for good: a 4xx other than 429, or another non-transient status.
     *
     * @param status the HTTP status
     * @param problem the server's problem detail, summarised on one line
     * @param rejectedIndices the positions, within the request's batch, of the checkpoints the
     *     service listed as rejected ({@code rejected[].index}); empty when it did not say
     */
    record Rejected(int status, String problem, List<Integer> rejectedIndices) implements Outcome {

        public Rejected {
            rejectedIndices = List.copyOf(rejectedIndices);
        }

        /**
         * A refusal that does not single out records.
         *
         * @param status the HTTP status
         * @param problem the summary
         */
        public Rejected(int status, String problem) {
            this(status, problem, List.of());
        }

        /**
         * Whether the refusal concerns the content (so splitting a batch may save its valid part),
         * rather than the credentials or the address.
         *
         * @return true for 400, 413 and 422, and for the service's own faults that lasted a retry loop to its
         *     end ({@link IngestionClient#isServerFault})
         */
        boolean aboutContent() {
            return status == 400 || status == 413 || status == 422 || IngestionClient.isServerFault(status);
        }
    }
}
