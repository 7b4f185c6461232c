/*
 * --broker as the Java services read it (vnet-runtime's BrokerUri): tcp:// or mqtt:// in the clear,
 * ssl://, tls:// or mqtts:// over TLS, the port defaulting to 1883 in the clear and 8883 over TLS.
 * What the Java parser refuses is refused here, with the same words.
 */
#ifndef VNET_BROKER_URI_H
#define VNET_BROKER_URI_H

#include <stdbool.h>
#include <stddef.h>

#define VNET_BROKER_HOST_MAX 253

typedef struct {
  char host[VNET_BROKER_HOST_MAX + 1]; /* a name, an IPv4 address, or an IPv6 address without brackets */
  unsigned port;                        /* given, or 0 for the transport's default */
  bool tls;
} vnet_broker_uri;

/* Parses --broker into *out; false with a message in err (the URI's password, if any, masked). */
bool vnet_broker_uri_parse(const char *broker, vnet_broker_uri *out, char *err, size_t errcap);

/* The port to connect to: the one given, else 8883 over TLS and 1883 in the clear. */
unsigned vnet_broker_uri_port(const vnet_broker_uri *uri);

/* "ssl://HOST:PORT" or "tcp://HOST:PORT" (an IPv6 host in brackets), as Paho C takes it. */
void vnet_broker_uri_format(const vnet_broker_uri *uri, char *buf, size_t cap);

#endif
