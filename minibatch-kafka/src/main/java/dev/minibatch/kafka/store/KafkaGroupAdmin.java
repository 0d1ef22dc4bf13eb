package dev.minibatch.kafka.store;

import dev.minibatch.model.ConfigurationException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the store asks the cluster's admin API about share groups and partitions: preparing a group
 * before its first consumer, where a group stands in each partition, offsets, members. Thread-safe.
 */
final class KafkaGroupAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaGroupAdmin.class);

    private final KafkaStoreSettings settings;
    private final Admin admin;
    private final Set<String> preparedGroups = ConcurrentHashMap.newKeySet();

    KafkaGroupAdmin(KafkaStoreSettings settings, Admin admin) {
        this.settings = settings;
        this.admin = admin;
    }

    /**
     * Kafka's count of the group's unacknowledged records of the topic (KIP-932 share-group lag), or
     * empty where the group has no state yet or the broker reports no lag.
     */
    java.util.Optional<Long> lag(String group, String topic) {
        Map<TopicPartition, Long> byPartition = lagByPartition(group, topic);
        if (byPartition.size() < partitions(topic).size()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(byPartition.values().stream().mapToLong(Long::longValue).sum());
    }

    /** The share-group lag of each partition that reports one (partitions never delivered from have none). */
    Map<TopicPartition, Long> lagByPartition(String group, String topic) {
        Set<TopicPartition> partitions = partitions(topic);
        Map<TopicPartition, Long> out = new HashMap<>();
        try {
            Map<TopicPartition, SharePartitionOffsetInfo> info = admin.listShareGroupOffsets(
                    Map.of(group, new ListShareGroupOffsetsSpec().topicPartitions(partitions))).partitionsToOffsetInfo(group).get();
            for (TopicPartition tp : partitions) {
                SharePartitionOffsetInfo o = info.get(tp);
                if (o != null && o.lag().isPresent()) {
                    out.put(tp, o.lag().get());
                }
            }
        } catch (ExecutionException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("reading share group lag");
        }
        return out;
    }

    /** The client ids of a share group's members now, or empty if unknown. */
    List<String> memberClientIds(String group) {
        try {
            return admin.describeShareGroups(List.of(group)).describedGroups().get(group).get().members().stream()
                    .map(m -> m.clientId()).toList();
        } catch (ExecutionException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Members of a share group now, or 0 if unknown. */
    int members(String group) {
        try {
            return admin.describeShareGroups(List.of(group)).describedGroups().get(group).get().members().size();
        } catch (ExecutionException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /**
     * In-flight records per partition the store's groups ask for: the broker's most by default
     * (Kafka's default is 2,000; a broker allowing less keeps its own). The broker counts them from
     * the oldest unacknowledged record, which a lane holding the rest of its batch keeps back while
     * other lanes go on. In a consume-bench drain of {@code CountWindow(1000)}, 70 of 108 lane polls
     * brought a full batch with 2,000, and 99 of 102 with 4,000.
     */
    static final int IN_FLIGHT_PER_PARTITION = 4000;

    /**
     * Before the group's first consumer joins: checks the cluster serves share groups, and sets the
     * group to start at the earliest offset (Kafka's default is the latest: messages appended before
     * the first consumer would be skipped), to read committed appends, to allow
     * {@value KafkaStore#DELIVERY_LIMIT} deliveries and {@value #IN_FLIGHT_PER_PARTITION} records in flight per partition.
     */
    void prepareGroup(String group) {
        if (preparedGroups.contains(group)) {
            return;
        }
        checkShareGroupsEnabled();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        List<AlterConfigOp> ops = new ArrayList<>(List.of(
                set("share.auto.offset.reset", "earliest"),
                set("share.isolation.level", "read_committed")));
        try {
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
            String refused = setIfAllowed(resource, "share.delivery.count.limit", KafkaStore.DELIVERY_LIMIT);
            if (refused != null) {
                LOG.warn("kafka:// store: share group '{}' keeps the broker's delivery count limit ({}); records delivered"
                        + " that often are archived by Kafka", group, refused);
            }
            refused = setIfAllowed(resource, "share.partition.max.record.locks", IN_FLIGHT_PER_PARTITION);
            if (refused != null) {
                LOG.debug("kafka:// store: share group '{}' keeps the broker's in-flight limit per partition ({})", group,
                        refused);
            }
        } catch (ExecutionException e) {
            throw KafkaStore.failure("configuring share group '" + group + "'", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("configuring share group");
        }
        preparedGroups.add(group);
    }

    /** Sets a group config the broker may bound; null if set, else why the broker refused it. */
    private String setIfAllowed(ConfigResource group, String name, int value)
            throws ExecutionException, InterruptedException {
        try {
            admin.incrementalAlterConfigs(Map.of(group, List.of(set(name, Integer.toString(value))))).all().get();
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InvalidConfigurationException || e.getCause() instanceof InvalidRequestException) {
                return settings.client().describe(e.getCause());
            }
            throw e;
        }
    }

    private void checkShareGroupsEnabled() {
        FinalizedVersionRange share;
        try {
            share = admin.describeFeatures().featureMetadata().get().finalizedFeatures().get("share.version");
        } catch (ExecutionException e) {
            throw KafkaStore.failure("reading the cluster's features", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("reading the cluster's features");
        }
        if (share == null || share.maxVersionLevel() < 1) {
            throw new ConfigurationException(KafkaStoreSettings.OWNER + ": the Kafka cluster at " + settings.client().servers()
                    + " has share groups (KIP-932, feature share.version) disabled, and kafka:// consumers need them."
                    + " Enable them with: kafka-features.sh --bootstrap-server " + settings.client().servers()
                    + " upgrade --feature share.version=1 (Kafka 4.1 or later)");
        }
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    static Map<TopicPartition, Long> from(Map<TopicPartition, Long> start, Map<TopicPartition, Long> earliest) {
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition tp : start.keySet()) {
            from.put(tp, start.get(tp) < 0 ? earliest.get(tp) : Math.max(start.get(tp), earliest.get(tp)));
        }
        return from;
    }

    /** Records not yet acknowledged by the stream's share group, from its start offsets (may count a few in flight). */
    long pendingEstimate(String groupId, String topic) {
        java.util.Optional<Long> lag = lag(groupId, topic);
        if (lag.isPresent()) {
            return lag.get();
        }
        Map<TopicPartition, Long> start = startOffsets(groupId, topic);
        Map<TopicPartition, Long> end = offsets(start.keySet(), OffsetSpec.latest());
        Map<TopicPartition, Long> earliest = offsets(start.keySet(), OffsetSpec.earliest());
        long pending = 0;
        for (TopicPartition tp : start.keySet()) {
            long from = start.get(tp) < 0 ? earliest.get(tp) : Math.max(start.get(tp), earliest.get(tp));
            pending += Math.max(0, end.get(tp) - from);
        }
        return pending;
    }

    /** Where the share group stands in each partition; -1 where it has not started (it starts at the earliest). */
    Map<TopicPartition, Long> startOffsets(String groupOfId, String topic) {
        Set<TopicPartition> partitions = partitions(topic);
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions.forEach(tp -> out.put(tp, -1L));
        String group = groupOfId;
        try {
            Map<TopicPartition, SharePartitionOffsetInfo> info = admin.listShareGroupOffsets(
                    Map.of(group, new ListShareGroupOffsetsSpec().topicPartitions(partitions))).partitionsToOffsetInfo(group).get();
            info.forEach((tp, o) -> {
                if (o != null && out.containsKey(tp)) {
                    out.put(tp, o.startOffset());
                }
            });
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                LOG.debug("share group offsets of '{}' unknown ({}); reading from the earliest", group, e.getCause().toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("reading share group offsets");
        }
        return out;
    }

    /**
     * The offsets a consumer group committed for the topic's partitions: -1 (read from the earliest)
     * for a partition without one, or every partition when the group has none yet.
     */
    Map<TopicPartition, Long> committedOffsets(String group, String topic) {
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions(topic).forEach(tp -> out.put(tp, -1L));
        try {
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, o) -> {
                if (o != null && out.containsKey(tp)) {
                    out.put(tp, o.offset());
                }
            });
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                LOG.debug("offsets of consumer group '{}' unknown ({}); reading from the earliest", group, e.getCause().toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("reading consumer group offsets");
        }
        return out;
    }

    Set<TopicPartition> partitions(String topic) {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Set<TopicPartition> out = new java.util.HashSet<>();
            d.partitions().forEach(p -> out.add(new TopicPartition(topic, p.partition())));
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Set.of();
            }
            throw KafkaStore.failure("describing topic '" + topic + "'", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("describing topic");
        }
    }

    Map<TopicPartition, Long> offsets(Set<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException e) {
            throw KafkaStore.failure("listing offsets", settings, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KafkaStore.interrupted("listing offsets");
        }
    }

}
