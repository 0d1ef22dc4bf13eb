package dev.minibatch.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.Minibatch;
import dev.minibatch.model.Window;
import dev.minibatch.micrometer.MinibatchMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An application with its own MeterRegistry bean but without Spring Boot's metrics
 * auto-configuration still gets minibatch's meters; and {@code minibatch.metrics.enabled=false}
 * turns them off.
 */
class MetricsWithoutActuatorTest {

    @TempDir
    Path dir;

    @Configuration
    static class OwnRegistry {
        @Bean
        SimpleMeterRegistry registry() {
            return new SimpleMeterRegistry();
        }

        @MinibatchListener(stream = "m", size = "5")
        void listen(Window w) {
        }
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MinibatchAutoConfiguration.class))
                .withUserConfiguration(OwnRegistry.class)
                .withPropertyValues("minibatch.url=sqlite:" + dir.resolve("m.db"));
    }

    @Test
    void theApplicationsOwnRegistryCountsTheWindows() {
        runner().run(ctx -> {
            assertThat(ctx).hasNotFailed();
            SimpleMeterRegistry registry = ctx.getBean(SimpleMeterRegistry.class);
            ctx.getBean(Minibatch.class).stream("m").appendAll(IntStream.range(0, 20).boxed().toList());
            Waits.until("4 windows counted", () -> {
                var c = registry.find(MinibatchMetrics.WINDOWS).tags("stream", "m").counter();
                return c != null && c.count() == 4;
            });
            assertThat(registry.get(MinibatchMetrics.MESSAGES).tags("stream", "m").counter().count()).isEqualTo(20);
        });
    }

    @Test
    void metricsCanBeTurnedOff() {
        runner().withPropertyValues("minibatch.metrics.enabled=false").run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(MinibatchMetrics.class);
            assertThat(ctx.getBean(SimpleMeterRegistry.class).find(MinibatchMetrics.PENDING).gauges()).isEmpty();
        });
    }
}
