package dev.minibatch.spring;

import dev.minibatch.Minibatch;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code minibatch} health indicator, when the application has Spring Boot's health support
 * (actuator); {@code management.health.minibatch.enabled=false} turns it off.
 */
@AutoConfiguration(after = MinibatchAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(Minibatch.class)
@ConditionalOnEnabledHealthIndicator("minibatch")
public class MinibatchHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "minibatchHealthIndicator")
    public MinibatchHealthIndicator minibatchHealthIndicator(Minibatch minibatch,
                                                             ObjectProvider<MinibatchListenerContainer> container) {
        return new MinibatchHealthIndicator(minibatch, container.getIfAvailable());
    }
}
