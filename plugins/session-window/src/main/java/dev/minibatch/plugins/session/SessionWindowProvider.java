package dev.minibatch.plugins.session;

import dev.minibatch.spi.emitter.EmitterProvider;
import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.emitter.WindowEmitter;
import java.util.List;

/**
 * Emitter {@code session}: options {@code gap} (required duration) and {@code maxSize} (default
 * 1000), e.g. {@code emitter("session", Map.of("gap", "30s", "maxSize", "500"))}. Stateless and
 * thread-safe; each {@link #create} returns a new emitter for one consumer.
 */
public final class SessionWindowProvider implements EmitterProvider {

    @Override
    public String name() {
        return "session";
    }

    @Override
    public String description() {
        return "SessionWindow: a window closes after gap without new messages, or at maxSize";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.required("gap", OptionSpec.Type.DURATION, "silence that closes a session, e.g. 30s"),
                OptionSpec.optional("maxSize", OptionSpec.Type.INT, "1000", "most messages in one session window"));
    }

    @Override
    public WindowEmitter create(Options options) {
        return new SessionWindow(options.getDuration("gap"), options.getInt("maxSize"));
    }
}
