package dev.minibatch.model;

/**
 * What a consumer has done so far.
 *
 * @param windows      windows committed
 * @param messages     messages in committed windows
 * @param failures     windows whose function or sink threw
 * @param deadLettered messages moved to the dead-letter stream
 * @param leasesLost   windows whose lease lapsed before commit (their messages may be redelivered)
 * @param inFlight     windows being processed now
 */
public record ConsumerStats(long windows, long messages, long failures, long deadLettered, long leasesLost, int inFlight) {
}
