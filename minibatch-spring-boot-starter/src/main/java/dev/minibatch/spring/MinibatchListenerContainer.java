package dev.minibatch.spring;

import dev.minibatch.Attachment;
import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.plugin.Providers;
import dev.minibatch.Streaming;
import dev.minibatch.micrometer.MinibatchMetrics;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.Source;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the {@link MinibatchListener} consumers and the configured sources with the application
 * context: everything is checked when the singletons are ready (so bad configuration fails the
 * start, naming the property or method), sources are attached and consumers started when the
 * context starts, and both are stopped when it stops — consumers let windows in flight finish
 * within {@code minibatch.consumer.stop-timeout} and release the rest for the next run.
 *
 * <p>Threading: Spring calls the lifecycle methods; {@link #consumers()} may be read from any
 * thread (health checks).
 */
public class MinibatchListenerContainer implements SmartLifecycle, SmartInitializingSingleton {

    /** Starts late and stops early: after and before everything the listeners may use. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

    private static final Logger LOG = LoggerFactory.getLogger(MinibatchListenerContainer.class);

    /** A running (or stopped) consumer with the endpoint that defined it. */
    public record Consumer(String id, String stream, String method, ConsumerHandle handle) {
    }

    private final Minibatch minibatch;
    private final MinibatchProperties properties;
    private final MinibatchListenerAnnotationBeanPostProcessor endpoints;
    private final BeanFactory beanFactory;
    private final PayloadConverter converter;
    private final List<Plan> plans = new ArrayList<>();
    private final Map<String, Source> sources = new LinkedHashMap<>();
    private final List<Consumer> consumers = Collections.synchronizedList(new ArrayList<>());
    private final List<Attachment> attachments = new ArrayList<>();
    private volatile boolean running;

    /** An endpoint with its sink chosen. */
    private record Plan(ListenerEndpoint endpoint, Sink sinkBean) {
    }

    MinibatchListenerContainer(Minibatch minibatch, MinibatchProperties properties,
                                      MinibatchListenerAnnotationBeanPostProcessor endpoints, BeanFactory beanFactory,
                                      PayloadConverter converter) {
        this.minibatch = minibatch;
        this.properties = properties;
        this.endpoints = endpoints;
        this.beanFactory = beanFactory;
        this.converter = converter;
    }

    @Override
    public void afterSingletonsInstantiated() {
        checkConsumerDefaults();
        Providers providers = minibatch.providers();
        for (ListenerEndpoint ep : endpoints.endpoints()) {
            plans.add(check(ep, providers));
        }
        for (Map.Entry<String, MinibatchProperties.Source> e : properties.getSources().entrySet()) {
            sources.put(e.getKey(), source(e.getKey(), e.getValue(), providers));
        }
        // gauges for the listeners' streams from the start, not only after their first window
        beanFactory.getBeanProvider(MinibatchMetrics.class).ifAvailable(m -> streams().forEach(m::watch));
    }

    private void checkConsumerDefaults() {
        MinibatchProperties.Consumer c = properties.getConsumer();
        try {
            minibatch.streaming("check").maxAttempts(c.getMaxAttempts());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException("minibatch.consumer.max-attempts", c.getMaxAttempts(), e.getMessage());
        }
        try {
            minibatch.streaming("check").lease(c.getLease());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException("minibatch.consumer.lease", c.getLease(), e.getMessage());
        }
        try {
            minibatch.streaming("check").backoff(c.getBackoff(), c.getMaxBackoff());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException("minibatch.consumer.backoff", c.getBackoff(), e.getMessage());
        }
        try {
            minibatch.streaming("check").stopTimeout(c.getStopTimeout()).pollInterval(c.getPollInterval());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException("minibatch.consumer.stop-timeout/poll-interval",
                    c.getStopTimeout() + "/" + c.getPollInterval(), e.getMessage());
        }
    }

    private Plan check(ListenerEndpoint ep, Providers providers) {
        try {
            minibatch.streaming(ep.stream);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(ep.description + ": attribute 'stream': " + e.getMessage(), e);
        }
        if (!ep.emitter.isEmpty()) {
            try {
                providers.emitter(ep.emitter, ep.emitterOptions); // created once to check name and options
            } catch (ConfigurationException e) {
                throw new IllegalStateException(ep.description + ": attribute 'emitter': " + e.getMessage(), e);
            }
        }
        Sink sinkBean = null;
        if (!ep.sink.isEmpty()) {
            if (beanFactory.containsBean(ep.sink)) {
                Object bean = beanFactory.getBean(ep.sink);
                if (!(bean instanceof Sink sink)) {
                    throw new IllegalStateException(ep.description + ": attribute 'sink': bean '" + ep.sink + "' is a "
                            + bean.getClass().getName() + ", not a " + Sink.class.getName());
                }
                if (!ep.sinkOptions.isEmpty()) {
                    throw new IllegalStateException(ep.description + ": attribute 'sinkOptions': the sink is the bean '"
                            + ep.sink + "', which takes no options");
                }
                sinkBean = sink;
            } else {
                try {
                    Providers.Entry entry = providers.find(Providers.Kind.SINK, ep.sink);
                    Options.validate("sink '" + entry.name() + "'", entry.provider().options(), ep.sinkOptions);
                } catch (ConfigurationException e) {
                    throw new IllegalStateException(ep.description + ": attribute 'sink': no bean named '" + ep.sink
                            + "' and " + e.getMessage(), e);
                }
            }
        }
        return new Plan(ep, sinkBean);
    }

    private Source source(String stream, MinibatchProperties.Source config, Providers providers) {
        String prefix = "minibatch.sources." + stream;
        try {
            minibatch.streaming(stream);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException(prefix, stream, e.getMessage());
        }
        if (config.getType() == null || config.getType().isBlank()) {
            throw new InvalidConfigurationPropertyValueException(prefix + ".type", config.getType(),
                    "a source needs a type; known sources: " + String.join(", ", providers.names(Providers.Kind.SOURCE)));
        }
        try {
            providers.find(Providers.Kind.SOURCE, config.getType());
        } catch (ConfigurationException e) {
            throw new InvalidConfigurationPropertyValueException(prefix + ".type", config.getType(), e.getMessage());
        }
        try {
            return providers.source(config.getType(), config.getOptions());
        } catch (ConfigurationException e) {
            throw new InvalidConfigurationPropertyValueException(prefix + ".options", config.getOptions(), e.getMessage());
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        bindMetricsIfSpringBootDidNot();
        for (Map.Entry<String, Source> e : sources.entrySet()) {
            attachments.add(minibatch.stream(e.getKey()).attach(e.getValue()));
            LOG.info("minibatch: source {} attached to stream '{}'", e.getValue(), e.getKey());
        }
        consumers.clear();
        for (Plan plan : plans) {
            ConsumerHandle handle = streaming(plan).start();
            consumers.add(new Consumer(plan.endpoint().id, plan.endpoint().stream, plan.endpoint().description, handle));
            LOG.info("minibatch: consuming stream '{}' with {}", plan.endpoint().stream, plan.endpoint().description);
        }
        running = true;
    }

    /**
     * Spring Boot's metrics support binds MeterBinder beans to its registry before the context
     * starts; an application with a MeterRegistry bean but without that support gets it bound here.
     */
    private void bindMetricsIfSpringBootDidNot() {
        beanFactory.getBeanProvider(MinibatchMetrics.class).ifAvailable(metrics -> {
            if (!metrics.isBound()) {
                beanFactory.getBeanProvider(io.micrometer.core.instrument.MeterRegistry.class).ifUnique(registry -> {
                    metrics.bindTo(registry);
                    LOG.info("minibatch: meters bound to {}", registry.getClass().getSimpleName());
                });
            }
        });
    }

    private Streaming streaming(Plan plan) {
        ListenerEndpoint ep = plan.endpoint();
        MinibatchProperties.Consumer c = properties.getConsumer();
        Streaming s = minibatch.streaming(ep.stream)
                .workers(ep.workers)
                .keep(ep.keep)
                .maxAttempts(ep.maxAttempts != null ? ep.maxAttempts : c.getMaxAttempts())
                .lease(c.getLease())
                .backoff(c.getBackoff(), c.getMaxBackoff())
                .pollInterval(c.getPollInterval())
                .stopTimeout(c.getStopTimeout());
        if (!ep.emitter.isEmpty()) {
            s.emitter(ep.emitter, ep.emitterOptions);
        } else if (ep.interval != null) {
            s.interval(ep.interval).relaxed(ep.relaxed);
        } else if (ep.size != null) {
            s.size(ep.size);
        }
        if (ListenerEndpoint.STORED_KEY.equals(ep.key)) {
            s.keyBy();
        } else if (!ep.key.isEmpty()) {
            s.keyBy(ep.key);
        }
        if (plan.sinkBean() != null) {
            s.sink(plan.sinkBean());
        } else if (!ep.sink.isEmpty()) {
            s.sink(ep.sink, ep.sinkOptions);
        }
        return s.map(ep.function(converter));
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        for (Attachment a : attachments) {
            a.stop();
        }
        attachments.clear();
        List<Consumer> all;
        synchronized (consumers) {
            all = new ArrayList<>(consumers);
        }
        for (Consumer c : all) {
            c.handle().requestStop(); // all at once, then wait for each: one stop timeout, not one per consumer
        }
        for (Consumer c : all) {
            c.handle().stop();
        }
        LOG.info("minibatch: {} consumer(s) stopped", all.size());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public boolean isAutoStartup() {
        return properties.getConsumer().isAutoStartup();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The consumers started so far (running or ended), for health and tests. */
    public List<Consumer> consumers() {
        synchronized (consumers) {
            return List.copyOf(consumers);
        }
    }

    /** The streams consumed by the listeners, in order. */
    public List<String> streams() {
        List<String> out = new ArrayList<>();
        for (Plan p : plans) {
            if (!out.contains(p.endpoint().stream)) {
                out.add(p.endpoint().stream);
            }
        }
        return out;
    }
}
