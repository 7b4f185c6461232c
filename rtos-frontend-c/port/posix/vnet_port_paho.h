/* The MQTT binding of the core on Eclipse Paho C (synchronous client, one thread). */
#ifndef VNET_PORT_PAHO_H
#define VNET_PORT_PAHO_H

#include <signal.h>
#include <stdbool.h>

#include "vnet/vnet.h"

typedef struct {
  const char *broker;    /* tcp://HOST:PORT or ssl://HOST:PORT (vnet_broker_uri_format) */
  const char *host;      /* its host, as the broker's certificate must name it */
  const char *client_id;
  const char *username;  /* or NULL */
  const char *password;  /* or NULL; never printed */
  bool tls;              /* as the broker's scheme says */
  const char *ca_file;   /* PEM file of the CAs to trust over TLS, or NULL for the system's trust store */
  bool tls_insecure;     /* over TLS, verify neither the certificate chain nor the host name (tests only) */
} vnet_paho_options;

/* Fills ops with the Paho binding; pass the returned ops and vnet_paho_user() to vnet_node_init. */
void vnet_paho_ops(vnet_ops *ops);
void *vnet_paho_user(void);

/*
 * Connects (reconnecting with backoff, 100 ms doubling to 5 s), hands every message to the node, and
 * on *stop removes the drivers (clearing their views) and disconnects. Returns 0, or 1 on a setup error.
 * Over TLS a failed connect says why (a certificate for another host name, a chain to no trusted CA)
 * and is retried like any other, since the broker's certificate may be fixed while we wait.
 */
int vnet_paho_run(vnet_node *node, const vnet_paho_options *opt, volatile sig_atomic_t *stop);

#endif
