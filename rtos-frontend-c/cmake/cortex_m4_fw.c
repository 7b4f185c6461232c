/* A firmware's use of the core: what the linker keeps with --gc-sections (sizes in README). */
#include "vnet/vnet.h"

static vnet_node node; /* one RTOS CPU */

void fw_entry(const vnet_ops *ops, const char *topic, const uint8_t *payload, size_t len);

void fw_entry(const vnet_ops *ops, const char *topic, const uint8_t *payload, size_t len) {
  if (vnet_node_init(&node, "vnet", 7, VNET_F_ALL, ops, 0)) {
    vnet_node_on_connected(&node);
    vnet_node_on_message(&node, topic, payload, len, false);
    vnet_node_remove_all(&node);
  }
}
