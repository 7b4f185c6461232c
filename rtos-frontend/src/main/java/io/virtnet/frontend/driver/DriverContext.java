package io.virtnet.frontend.driver;

import io.vertx.core.Vertx;
import io.virtnet.frontend.qemu.QmpClientPool;
import io.virtnet.protocol.RemoteTargets;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.MqttSession;
import java.util.Set;

/**
 * What a driver needs from the CPU it runs on: the CPU number, the process's MQTT session, the topic
 * names, the features the frontend accepts, where to count rejections and metrics, the Vert.x
 * instance, and the CPU's {@link QmpClientPool} (QEMU-bound devices of one VM share a QMP session; the
 * pool is used from the CPU verticle's context only; null where no QEMU driver is wanted), and the
 * CPU's {@link LinkViews}, through which every driver publishes its retained view, and the remote
 * VM-control targets a binding may name.
 */
public record DriverContext(
    int cpu,
    MqttSession session,
    Topics topics,
    Set<VirtioFeature> driverFeatures,
    Rejections rejections,
    DriverMetrics metrics,
    Vertx vertx,
    QmpClientPool qmpPool,
    LinkViews linkViews,
    RemoteTargets remoteTargets) {}
