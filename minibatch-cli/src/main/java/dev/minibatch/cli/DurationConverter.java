package dev.minibatch.cli;

import dev.minibatch.spi.Options;
import java.time.Duration;
import picocli.CommandLine;

/** Parses {@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 5m}, {@code 1h}, {@code PT2S} or plain seconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Options.parseDuration(value);
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration; write e.g. 500ms, 2s, 1.5s, 5m or 1h");
        }
    }
}
