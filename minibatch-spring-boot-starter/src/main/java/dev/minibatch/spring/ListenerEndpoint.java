package dev.minibatch.spring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.minibatch.model.Window;
import dev.minibatch.model.WindowFunction;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * One {@link MinibatchListener} method with its attributes resolved and checked: what the
 * container needs to build its consumer. Immutable.
 */
final class ListenerEndpoint {

    /** How the method wants its window. */
    enum Payload { WINDOW, JSON_NODES, CONVERTED }

    /** The {@code key} attribute's value for the key stored with each message. */
    static final String STORED_KEY = "@key";

    final String id;
    final String description;
    final Object bean;
    final Method method;
    final String stream;
    final Integer size;
    final Duration interval;
    final boolean relaxed;
    final String emitter;
    final Map<String, String> emitterOptions;
    final String key;
    final int workers;
    final boolean keep;
    final String sink;
    final Map<String, String> sinkOptions;
    final Integer maxAttempts;
    final Payload payload;
    final Type elementType;
    final boolean returnsResult;

    private ListenerEndpoint(Builder b) {
        this.id = b.id;
        this.description = b.description;
        this.bean = b.bean;
        this.method = b.method;
        this.stream = b.stream;
        this.size = b.size;
        this.interval = b.interval;
        this.relaxed = b.relaxed;
        this.emitter = b.emitter;
        this.emitterOptions = b.emitterOptions;
        this.key = b.key;
        this.workers = b.workers;
        this.keep = b.keep;
        this.sink = b.sink;
        this.sinkOptions = b.sinkOptions;
        this.maxAttempts = b.maxAttempts;
        this.payload = b.payload;
        this.elementType = b.elementType;
        this.returnsResult = b.returnsResult;
    }

    /**
     * Reads and checks the annotation of {@code method}.
     *
     * @param invocable the method to call on {@code bean} (the proxy's, when the bean is proxied)
     * @param resolver  resolves placeholders and expressions in attribute text
     * @throws IllegalStateException naming the method and the attribute that is wrong
     */
    static ListenerEndpoint of(Object bean, String beanName, Method invocable, MinibatchListener ann,
                               UnaryOperator<String> resolver) {
        Builder b = new Builder();
        b.bean = bean;
        b.method = invocable;
        b.description = "@MinibatchListener method " + ClassUtils.getQualifiedMethodName(invocable)
                + signature(invocable);
        String stream = b.text("stream", ann.stream(), resolver);
        if (stream.isEmpty()) {
            throw b.error("stream", "is required, e.g. @MinibatchListener(stream = \"orders\")");
        }
        b.stream = stream;
        String id = b.text("id", ann.id(), resolver);
        b.id = id.isEmpty() ? beanName + "." + invocable.getName() : id;
        b.size = b.positive("size", b.text("size", ann.size(), resolver));
        String interval = b.text("interval", ann.interval(), resolver);
        if (!interval.isEmpty()) {
            try {
                b.interval = DurationStyle.detectAndParse(interval);
            } catch (IllegalArgumentException e) {
                throw b.error("interval", "'" + interval + "' is not a duration (e.g. 500ms, 2s, PT1M)");
            }
            if (b.interval.toMillis() < 1) {
                throw b.error("interval", "must be at least 1ms, was '" + interval + "'");
            }
        }
        b.relaxed = b.bool("relaxed", b.text("relaxed", ann.relaxed(), resolver));
        b.emitter = b.text("emitter", ann.emitter(), resolver);
        b.emitterOptions = b.options("emitterOptions", ann.emitterOptions(), resolver);
        b.key = b.text("key", ann.key(), resolver);
        Integer workers = b.positive("workers", b.text("workers", ann.workers(), resolver));
        b.workers = workers == null ? 1 : workers;
        b.keep = b.bool("keep", b.text("keep", ann.keep(), resolver));
        b.sink = b.text("sink", ann.sink(), resolver);
        b.sinkOptions = b.options("sinkOptions", ann.sinkOptions(), resolver);
        if (b.sink.isEmpty() && !b.sinkOptions.isEmpty()) {
            throw b.error("sinkOptions", "given without a sink");
        }
        if (b.emitter.isEmpty() && !b.emitterOptions.isEmpty()) {
            throw b.error("emitterOptions", "given without an emitter");
        }
        b.maxAttempts = b.positive("maxAttempts", b.text("maxAttempts", ann.maxAttempts(), resolver));
        b.signature(invocable);
        return new ListenerEndpoint(b);
    }

    private static String signature(Method m) {
        StringBuilder s = new StringBuilder("(");
        Type[] types = m.getGenericParameterTypes();
        for (int i = 0; i < types.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shortName(types[i]));
        }
        return s.append(")").toString();
    }

    /** {@code List<Order>} rather than {@code java.util.List<com.example.Orders$Order>}. */
    private static String shortName(Type type) {
        if (type instanceof Class<?> c) {
            return c.getSimpleName();
        }
        if (type instanceof java.lang.reflect.ParameterizedType p) {
            StringBuilder s = new StringBuilder(shortName(p.getRawType())).append('<');
            Type[] args = p.getActualTypeArguments();
            for (int i = 0; i < args.length; i++) {
                s.append(i == 0 ? "" : ", ").append(shortName(args[i]));
            }
            return s.append('>').toString();
        }
        return type.getTypeName();
    }

    /** The consumer's function: calls the method with the window as it asked for it. */
    WindowFunction<Object> function(PayloadConverter converter) {
        ReflectionUtils.makeAccessible(method);
        return window -> {
            Object argument = switch (payload) {
                case WINDOW -> window;
                case JSON_NODES -> window.data();
                case CONVERTED -> converter.convertAll(window, elementType);
            };
            try {
                return method.invoke(bean, argument);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception ex) {
                    throw ex;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw e;
            }
        };
    }

    @Override
    public String toString() {
        return description;
    }

    private static final class Builder {
        String id;
        String description;
        Object bean;
        Method method;
        String stream;
        Integer size;
        Duration interval;
        boolean relaxed;
        String emitter;
        Map<String, String> emitterOptions;
        String key;
        int workers;
        boolean keep;
        String sink;
        Map<String, String> sinkOptions;
        Integer maxAttempts;
        Payload payload;
        Type elementType;
        boolean returnsResult;

        IllegalStateException error(String attribute, String problem) {
            return new IllegalStateException(description + ": attribute '" + attribute + "' " + problem);
        }

        String text(String attribute, String raw, UnaryOperator<String> resolver) {
            try {
                String resolved = resolver.apply(raw);
                return resolved == null ? "" : resolved.trim();
            } catch (RuntimeException e) {
                throw new IllegalStateException(description + ": attribute '" + attribute + "' = \"" + raw
                        + "\" cannot be resolved: " + e.getMessage(), e);
            }
        }

        Integer positive(String attribute, String text) {
            if (text.isEmpty()) {
                return null;
            }
            try {
                int n = Integer.parseInt(text);
                if (n < 1) {
                    throw error(attribute, "must be >= 1, was " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                throw error(attribute, "must be a whole number, was '" + text + "'");
            }
        }

        boolean bool(String attribute, String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw error(attribute, "must be true or false, was '" + text + "'");
            };
        }

        Map<String, String> options(String attribute, String[] entries, UnaryOperator<String> resolver) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String raw : entries) {
                String entry = text(attribute, raw, resolver);
                int eq = entry.indexOf('=');
                if (eq <= 0) {
                    throw error(attribute, "entries must be key=value, was '" + entry + "'");
                }
                out.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            }
            return Map.copyOf(out);
        }

        void signature(Method m) {
            String accepted = "; a @MinibatchListener method takes one parameter: Window, List<JsonNode> or List<T>";
            if (m.getParameterCount() != 1) {
                throw new IllegalStateException(description + " takes " + m.getParameterCount()
                        + " parameters" + accepted);
            }
            ResolvableType type = ResolvableType.forMethodParameter(new MethodParameter(m, 0));
            Class<?> raw = type.resolve(Object.class);
            if (raw == Window.class) {
                payload = Payload.WINDOW;
            } else if (raw == List.class) {
                ResolvableType element = type.getGeneric(0);
                Class<?> elementClass = element.resolve();
                if (elementClass == null || elementClass == Object.class) {
                    throw new IllegalStateException(description + ": the List needs an element type"
                            + " (List<JsonNode> or List<YourType>)" + accepted);
                }
                if (elementClass == JsonNode.class) {
                    payload = Payload.JSON_NODES;
                } else {
                    payload = Payload.CONVERTED;
                    elementType = element.getType();
                }
            } else {
                throw new IllegalStateException(description + ": parameter type " + type + " is not accepted" + accepted);
            }
            returnsResult = m.getReturnType() != void.class;
        }
    }
}
