package dev.minibatch.runtime;

import dev.minibatch.model.ConsumerStats;
import java.util.concurrent.atomic.AtomicLong;

/** A consumer's running counts, written by its loop and lease threads, read by anyone. */
final class ConsumerCounters {

    final AtomicLong windows = new AtomicLong();
    final AtomicLong messages = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong leasesLost = new AtomicLong();

    ConsumerStats stats(int inFlight) {
        return new ConsumerStats(windows.get(), messages.get(), failures.get(), deadLettered.get(), leasesLost.get(),
                inFlight);
    }
}
