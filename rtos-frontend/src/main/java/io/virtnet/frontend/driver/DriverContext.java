package io.virtnet.frontend.driver;

import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.MqttSession;
import java.util.Set;

/**
 * What a driver needs from the CPU it runs on: the CPU number, the process's MQTT session, the topic
 * names, the features the frontend accepts, and where to count rejections and metrics.
 */
public record DriverContext(
    int cpu,
    MqttSession session,
    Topics topics,
    Set<VirtioFeature> driverFeatures,
    Rejections rejections,
    DriverMetrics metrics) {}
