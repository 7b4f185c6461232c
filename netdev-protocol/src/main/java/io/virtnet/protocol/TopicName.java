package io.virtnet.protocol;

/** A parsed topic of docs/contract.md §4. */
public sealed interface TopicName {
  record AgentStatus(String agent) implements TopicName {}

  record PhyState(String agent, String ifname) implements TopicName {}

  record PhyEvent(String agent, String ifname) implements TopicName {}

  record PhyCmd(String agent, String ifname) implements TopicName {}

  record PhyRef(String agent, String ifname, String holder) implements TopicName {}

  record BackendStatus(String node) implements TopicName {}

  record VirtioDevice(String instance) implements TopicName {}

  record VirtioConfigTopic(String instance) implements TopicName {}

  record VirtioCtrl(String instance) implements TopicName {}

  record RtosIrq(int cpu) implements TopicName {}

  record RtosLink(int cpu, String instance) implements TopicName {}
}
