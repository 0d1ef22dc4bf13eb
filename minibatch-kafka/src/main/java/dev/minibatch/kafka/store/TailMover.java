package dev.minibatch.kafka.store;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Moves the records of a stalled count window to the end of their partitions (see
 * {@link StallMover}), for one share group of one stream. Thread-safe (stateless but for its
 * clients, which are).
 */
final class TailMover implements StallMover {

    private final String stream;
    private final String topic;
    private final String group;
    private final KafkaStoreSettings settings;
    private final KafkaClients clients;
    private final KafkaGroupAdmin groups;
    private final KafkaProducer<byte[], byte[]> producer;

    TailMover(String stream, String topic, String group, KafkaStoreSettings settings, KafkaClients clients, KafkaGroupAdmin groups,
              KafkaProducer<byte[], byte[]> producer) {
        this.stream = stream;
        this.topic = topic;
        this.group = group;
        this.settings = settings;
        this.clients = clients;
        this.groups = groups;
        this.producer = producer;
    }

    @Override
    public StallRole role(int lanes, int held) {
        String mine = clients.clientId();
        TreeSet<String> processes = new TreeSet<>();
        for (String clientId : groups.memberClientIds(group)) {
            int at = clientId.indexOf("-share-");
            processes.add(at < 0 ? clientId : clientId.substring(0, at));
        }
        processes.add(mine);
        if (processes.size() > 1) { // the smallest client-id stem collects; every process computes the same
            return processes.first().equals(mine) ? StallRole.COLLECT : StallRole.GIVE_AND_PAUSE;
        }
        // alone in the group: moving helps only if records exist that no lane of ours can reach
        return groups.pendingEstimate(group, topic) > held ? StallRole.GIVE : StallRole.KEEP;
    }

    @Override
    public void moveToEnd(List<HeldRecord> records) {
        List<Future<?>> sent = new ArrayList<>(records.size());
        for (HeldRecord h : records) {
            sent.add(producer.send(RecordCodec.moved(h.record, group)));
        }
        try {
            for (Future<?> f : sent) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw KafkaStore.failure("moving records of stream '" + stream + "'", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("moving records");
        }
    }
}
