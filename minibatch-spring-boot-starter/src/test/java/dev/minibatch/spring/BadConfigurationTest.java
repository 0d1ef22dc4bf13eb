package dev.minibatch.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minibatch.model.Window;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Each kind of bad configuration fails the context start with a message naming the property or method. */
class BadConfigurationTest {

    @TempDir
    Path dir;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MinibatchAutoConfiguration.class))
                .withPropertyValues("minibatch.url=sqlite:" + dir.resolve("bad.db"));
    }

    /** The whole cause chain's messages: Spring wraps the one we wrote. */
    private static String failure(org.springframework.boot.test.context.assertj.AssertableApplicationContext ctx) {
        assertThat(ctx).hasFailed();
        StringBuilder all = new StringBuilder();
        for (Throwable t = ctx.getStartupFailure(); t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    @Test
    void unknownStoreSchemeNamesTheProperty() {
        runner().withPropertyValues("minibatch.url=nosuch://host/db").run(ctx -> assertThat(failure(ctx))
                .contains("minibatch.url").contains("nosuch").contains("sqlite"));
    }

    @Test
    void aGoodConfigurationStarts() {
        runner().withUserConfiguration(Good.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(MinibatchListenerContainer.class).streams()).containsExactly("ok");
        });
    }

    @Test
    void unknownEmitterNamesTheMethodAndAttribute() {
        runner().withUserConfiguration(UnknownEmitter.class).run(ctx -> assertThat(failure(ctx))
                .contains("UnknownEmitter.listen(Window)").contains("attribute 'emitter'")
                .contains("unknown emitter 'nosuch'").contains("count"));
    }

    @Test
    void badEmitterOptionNamesTheOption() {
        runner().withUserConfiguration(BadEmitterOption.class).run(ctx -> assertThat(failure(ctx))
                .contains("BadEmitterOption.listen(Window)").contains("attribute 'emitter'").contains("sise"));
    }

    @Test
    void unknownSinkNamesTheMethodAndAttribute() {
        runner().withUserConfiguration(UnknownSink.class).run(ctx -> assertThat(failure(ctx))
                .contains("UnknownSink.listen(Window)").contains("attribute 'sink'").contains("no bean named 'nowhere'")
                .contains("unknown sink 'nowhere'"));
    }

    @Test
    void aSinkBeanOfTheWrongTypeIsRefused() {
        runner().withUserConfiguration(WrongSinkBean.class).run(ctx -> assertThat(failure(ctx))
                .contains("WrongSinkBean.listen(Window)").contains("bean 'notASink'").contains("not a dev.minibatch.spi.connector.Sink"));
    }

    @Test
    void aSignatureTheAnnotationCannotCallNamesTheMethod() {
        runner().withUserConfiguration(TwoParameters.class).run(ctx -> assertThat(failure(ctx))
                .contains("TwoParameters.listen(Window, String)").contains("takes 2 parameters")
                .contains("Window, List<JsonNode> or List<T>"));
        runner().withUserConfiguration(MapParameter.class).run(ctx -> assertThat(failure(ctx))
                .contains("MapParameter.listen(Map<String, Object>)").contains("is not accepted"));
        runner().withUserConfiguration(RawList.class).run(ctx -> assertThat(failure(ctx))
                .contains("RawList.listen(List)").contains("needs an element type"));
    }

    @Test
    void badAttributeValuesNameTheAttribute() {
        runner().withUserConfiguration(BadSize.class).run(ctx -> assertThat(failure(ctx))
                .contains("BadSize.listen(Window)").contains("attribute 'size'").contains("'ten'"));
        runner().withUserConfiguration(BadInterval.class).run(ctx -> assertThat(failure(ctx))
                .contains("attribute 'interval'").contains("'soon'"));
        runner().withUserConfiguration(NoStream.class).run(ctx -> assertThat(failure(ctx))
                .contains("NoStream.listen(Window)").contains("attribute 'stream' is required"));
        runner().withUserConfiguration(MissingPlaceholder.class).run(ctx -> assertThat(failure(ctx))
                .contains("MissingPlaceholder.listen(Window)").contains("attribute 'stream'")
                .contains("app.missing"));
    }

    @Test
    void badSourceAndConsumerPropertiesNameTheProperty() {
        runner().withPropertyValues("minibatch.sources.orders.type=carrier-pigeon").run(ctx -> assertThat(failure(ctx))
                .contains("minibatch.sources.orders.type").contains("carrier-pigeon"));
        runner().withPropertyValues("minibatch.consumer.max-attempts=0").run(ctx -> assertThat(failure(ctx))
                .contains("minibatch.consumer.max-attempts"));
        runner().withPropertyValues("minibatch.metrics.percentiles=0.5,2").run(ctx -> assertThat(failure(ctx))
                .contains("minibatch.metrics.percentiles"));
    }

    @Configuration
    static class Good {
        @MinibatchListener(stream = "ok", size = "5")
        void listen(Window w) {
        }
    }

    @Configuration
    static class UnknownEmitter {
        @MinibatchListener(stream = "s", emitter = "nosuch")
        void listen(Window w) {
        }
    }

    @Configuration
    static class BadEmitterOption {
        @MinibatchListener(stream = "s", emitter = "count", emitterOptions = "sise=3")
        void listen(Window w) {
        }
    }

    @Configuration
    static class UnknownSink {
        @MinibatchListener(stream = "s", sink = "nowhere")
        void listen(Window w) {
        }
    }

    @Configuration
    static class WrongSinkBean {
        @Bean
        String notASink() {
            return "text";
        }

        @MinibatchListener(stream = "s", sink = "notASink")
        void listen(Window w) {
        }
    }

    @Configuration
    static class TwoParameters {
        @MinibatchListener(stream = "s")
        void listen(Window w, String extra) {
        }
    }

    @Configuration
    static class MapParameter {
        @MinibatchListener(stream = "s")
        void listen(Map<String, Object> one) {
        }
    }

    @Configuration
    static class RawList {
        @MinibatchListener(stream = "s")
        @SuppressWarnings("rawtypes")
        void listen(List values) {
        }
    }

    @Configuration
    static class BadSize {
        @MinibatchListener(stream = "s", size = "ten")
        void listen(Window w) {
        }
    }

    @Configuration
    static class BadInterval {
        @MinibatchListener(stream = "s", interval = "soon")
        void listen(Window w) {
        }
    }

    @Configuration
    static class NoStream {
        @MinibatchListener(size = "3")
        void listen(Window w) {
        }
    }

    @Configuration
    static class MissingPlaceholder {
        @MinibatchListener(stream = "${app.missing}")
        void listen(Window w) {
        }
    }
}
