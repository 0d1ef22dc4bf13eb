package dev.minibatch.mqtt;

import dev.minibatch.spi.OptionSpec;
import dev.minibatch.spi.Options;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.connector.SinkProvider;
import java.util.List;

/**
 * The {@code mqtt} sink: {@code url} and {@code topic} (a topic template) required, the rest as in
 * {@link MqttOptions#sink()}. Stateless; {@link #create} connects, so a wrong broker or wrong
 * credentials fail before the consumer starts.
 */
public final class MqttSinkProvider implements SinkProvider {

    @Override
    public String name() {
        return "mqtt";
    }

    @Override
    public String description() {
        return "publishes results as JSON to an MQTT topic or topic template (Eclipse Paho, MQTT 3.1.1)";
    }

    @Override
    public List<OptionSpec> options() {
        return MqttOptions.sink();
    }

    @Override
    public Sink create(Options options) {
        return new MqttSink(options);
    }
}
