package dev.minibatch.mqtt;

import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Source;
import dev.minibatch.spi.connector.SourceProvider;
import java.util.List;

/**
 * The {@code mqtt} source: {@code url} and {@code topic} required, the rest as in
 * {@link MqttOptions#source()}. Stateless; {@link #create} opens nothing (the source connects when
 * attached).
 */
public final class MqttSourceProvider implements SourceProvider {

    @Override
    public String name() {
        return "mqtt";
    }

    @Override
    public String description() {
        return "subscribes to an MQTT topic filter (Eclipse Paho, MQTT 3.1.1); QoS, persistent sessions, TLS";
    }

    @Override
    public List<OptionSpec> options() {
        return MqttOptions.source();
    }

    @Override
    public Source create(Options options) {
        return new MqttSource(options);
    }
}
