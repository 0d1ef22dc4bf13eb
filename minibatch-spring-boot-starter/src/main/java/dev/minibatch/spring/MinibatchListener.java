package dev.minibatch.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;

/**
 * Runs a bean method as a consumer of a stream, Python minibatch's {@code @streaming} in Java:
 *
 * <pre>{@code
 * @MinibatchListener(stream = "orders", size = "100")
 * void process(List<Order> orders) { … }
 *
 * @MinibatchListener(stream = "${app.stream}", interval = "2s", relaxed = "false", workers = "4", sink = "auditSink")
 * List<Summary> summarize(Window window) { … }    // the result goes to the sink
 * }</pre>
 *
 * <p>The method takes one parameter: a {@link dev.minibatch.model.Window}, a {@code List<JsonNode>}
 * (Jackson 2, {@code com.fasterxml}, as the core) or a {@code List<T>} converted with the
 * application's JSON mapper (its Jackson 3 {@code JsonMapper} in Spring Boot 4, else its Jackson 2
 * {@code ObjectMapper}, else minibatch's own). A non-void result is forwarded to the sink (a null
 * one forwards the window's data). Throwing fails the window: it is retried with backoff and
 * dead-lettered after {@code maxAttempts}, as for every consumer. Windows are committed only after
 * the method (and the sink) returned: at least once.
 *
 * <p>Every attribute is text so that it may hold a property placeholder ({@code ${…}}) or a SpEL
 * expression ({@code #{…}}); numbers, booleans and durations ({@code 500ms}, {@code 2s},
 * {@code PT1M}) are parsed after resolution. Invalid values fail the application's start with a
 * message naming the method and the attribute.
 *
 * <p>Consumers start when the application context has started and stop with it, letting windows in
 * flight finish within {@code minibatch.consumer.stop-timeout} and releasing the rest for the next
 * run.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface MinibatchListener {

    /** Same as {@link #stream()}. */
    @AliasFor("stream")
    String value() default "";

    /** The stream to consume (required). */
    @AliasFor("value")
    String stream() default "";

    /** An id for health details and logs (default {@code beanName.methodName}). */
    String id() default "";

    /** Count windows of this many messages (CountWindow); ignored when {@link #interval()} or {@link #emitter()} is set. */
    String size() default "";

    /** Time windows of this length, e.g. {@code 2s}; wins over size, as in Python. */
    String interval() default "";

    /** With an interval: RelaxedTimeWindow ({@code true}, the default) or FixedTimeWindow ({@code false}). */
    String relaxed() default "true";

    /** An emitter by provider name (e.g. {@code sliding}); wins over size and interval. */
    String emitter() default "";

    /** Emitter options as {@code key=value} entries, e.g. {@code {"size=10", "step=5"}}. */
    String[] emitterOptions() default {};

    /**
     * Windows per key ({@link dev.minibatch.Streaming#keyBy(String)}): a field path into the data
     * (e.g. {@code sensor}, for streams written without keys), or {@code @key} for the key stored with
     * each message ({@link dev.minibatch.Streaming#keyBy()}). Each window then holds messages of one
     * key ({@link dev.minibatch.model.Window#key()}). Empty (the default): windows over the whole stream.
     */
    String key() default "";

    /** Windows processed in parallel (default 1: in order). */
    String workers() default "1";

    /** Keep committed messages (marked done) instead of deleting them. */
    String keep() default "false";

    /**
     * Where results go: the name of a {@link dev.minibatch.spi.connector.Sink} bean, else a sink provider name
     * (e.g. {@code kafka}) configured by {@link #sinkOptions()}. A provider's sink is closed with the
     * consumer; a bean stays the application's.
     */
    String sink() default "";

    /** Sink provider options as {@code key=value} entries. */
    String[] sinkOptions() default {};

    /** Tries per message before it is dead-lettered (default {@code minibatch.consumer.max-attempts}). */
    String maxAttempts() default "";
}
