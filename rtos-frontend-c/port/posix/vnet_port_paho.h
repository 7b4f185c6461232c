/* The MQTT binding of the core on Eclipse Paho C (synchronous client, one thread). */
#ifndef VNET_PORT_PAHO_H
#define VNET_PORT_PAHO_H

#include <signal.h>

#include "vnet/vnet.h"

typedef struct {
  const char *broker;    /* tcp://host:port */
  const char *client_id;
  const char *username;  /* or NULL */
  const char *password;  /* or NULL */
} vnet_paho_options;

/* Fills ops with the Paho binding; pass the returned ops and vnet_paho_user() to vnet_node_init. */
void vnet_paho_ops(vnet_ops *ops);
void *vnet_paho_user(void);

/*
 * Connects (reconnecting with backoff, 100 ms doubling to 5 s), hands every message to the node, and
 * on *stop removes the drivers (clearing their views) and disconnects. Returns 0, or 1 on a setup error.
 */
int vnet_paho_run(vnet_node *node, const vnet_paho_options *opt, volatile sig_atomic_t *stop);

#endif
