package dev.minibatch.spring;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StoreException;
import dev.minibatch.micrometer.MinibatchMetrics;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * Auto-configures minibatch in a Spring Boot application: a {@link Minibatch} from
 * {@code minibatch.*} properties (unless the application defines its own), the
 * {@link MinibatchListener} machinery, and {@link MinibatchMetrics} as a {@code MeterBinder}
 * that Spring Boot binds to the application's {@code MeterRegistry} when it has one.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
        "org.springframework.boot.jackson2.autoconfigure.Jackson2AutoConfiguration"})
@EnableConfigurationProperties(MinibatchProperties.class)
public class MinibatchAutoConfiguration {

    private static final String JACKSON3_MAPPER = "tools.jackson.databind.ObjectMapper";

    /** The client; closed with the context (after the consumers stopped). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Minibatch minibatch(MinibatchProperties properties) {
        String url = Minibatch.resolveUrl(properties.getUrl());
        Minibatch.Builder builder = Minibatch.builder().url(url).shutdownHook(false); // Spring stops consumers
        if (properties.getMaxMessageBytes() != null) {
            try {
                builder.maxMessageBytes(properties.getMaxMessageBytes());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationPropertyValueException("minibatch.max-message-bytes",
                        properties.getMaxMessageBytes(), e.getMessage());
            }
        }
        try {
            return builder.build();
        } catch (ConfigurationException | StoreException e) {
            throw new InvalidConfigurationPropertyValueException("minibatch.url", redacted(url), e.getMessage());
        }
    }

    private static String redacted(String url) {
        return url.replaceAll("//([^:/@]+):[^@/]*@", "//$1:***@");
    }

    @Bean
    public static MinibatchListenerAnnotationBeanPostProcessor minibatchListenerAnnotationBeanPostProcessor() {
        return new MinibatchListenerAnnotationBeanPostProcessor();
    }

    @Bean
    @ConditionalOnMissingBean
    public MinibatchListenerContainer minibatchListenerContainer(Minibatch minibatch, MinibatchProperties properties,
            MinibatchListenerAnnotationBeanPostProcessor endpoints, BeanFactory beanFactory,
            ObjectProvider<com.fasterxml.jackson.databind.ObjectMapper> jackson2) {
        return new MinibatchListenerContainer(minibatch, properties, endpoints, beanFactory,
                converter(minibatch, beanFactory, jackson2));
    }

    /**
     * The application's mapper converts {@code List<T>} payloads: Jackson 3 (Spring Boot 4's
     * default) when the context has one, else a Jackson 2 {@code ObjectMapper} bean, else
     * minibatch's own mapper.
     */
    private static PayloadConverter converter(Minibatch minibatch, BeanFactory beanFactory,
                                              ObjectProvider<com.fasterxml.jackson.databind.ObjectMapper> jackson2) {
        if (ClassUtils.isPresent(JACKSON3_MAPPER, MinibatchAutoConfiguration.class.getClassLoader())) {
            PayloadConverter j3 = Jackson3Lookup.find(beanFactory, minibatch.mapper());
            if (j3 != null) {
                return j3;
            }
        }
        com.fasterxml.jackson.databind.ObjectMapper own = jackson2.getIfUnique();
        return PayloadConverter.jackson2(own != null ? own : minibatch.mapper());
    }

    /** Kept apart so that Jackson 3 classes load only when present. */
    private static final class Jackson3Lookup {
        static PayloadConverter find(BeanFactory beanFactory, com.fasterxml.jackson.databind.ObjectMapper writer) {
            tools.jackson.databind.ObjectMapper mapper = beanFactory
                    .getBeanProvider(tools.jackson.databind.ObjectMapper.class).getIfUnique();
            return mapper == null ? null : new Jackson3PayloadConverter(mapper, writer);
        }
    }

    /** Meters for every consumer and the listeners' streams; Spring Boot binds MeterBinder beans to its registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    @ConditionalOnBooleanProperty(name = "minibatch.metrics.enabled", matchIfMissing = true)
    static class MetricsConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        MinibatchMetrics minibatchMetrics(Minibatch minibatch, MinibatchProperties properties,
                                          MinibatchListenerAnnotationBeanPostProcessor endpoints) {
            MinibatchProperties.Metrics m = properties.getMetrics();
            List<Double> pct = m.getPercentiles();
            double[] percentiles = new double[pct.size()];
            for (int i = 0; i < percentiles.length; i++) {
                percentiles[i] = pct.get(i);
            }
            MinibatchMetrics.Builder builder;
            try {
                builder = MinibatchMetrics.builder(minibatch).percentiles(percentiles).histogram(m.isHistogram());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationPropertyValueException("minibatch.metrics.percentiles", pct, e.getMessage());
            }
            try {
                builder.statsMaxAge(m.getStatsMaxAge());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationPropertyValueException("minibatch.metrics.stats-max-age",
                        m.getStatsMaxAge(), e.getMessage());
            }
            for (String stream : properties.getSources().keySet()) {
                builder.streams(stream);
            }
            return builder.build();
        }
    }
}
