/*
 * The core on Paho C's synchronous MQTTClient: one thread, no callbacks. Messages are read with
 * MQTTClient_receive and handed to vnet_node_on_message; the core's publish/subscribe callbacks map
 * to the Paho calls one to one. A clean session on each (re)connect makes the broker resend every
 * retained device, config and view, which is how the node re-reads its state after a broker restart.
 * Linked with paho-mqtt3cs (OpenSSL) for ssl:// brokers: the chain is always verified, the host name
 * unless --tls-insecure said otherwise (as the Java services' flag).
 */
#include "vnet_port_paho.h"

#include <MQTTClient.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

static MQTTClient client;

/* Why the last TLS connect failed, from Paho's trace and OpenSSL's error queue (Paho returns only -1). */
static struct {
  bool host_mismatch;  /* X509_check_host (and X509_check_ip_asc after it) refused the host name */
  char openssl[160];   /* OpenSSL's first error, e.g. "...:certificate verify failed:..." */
} tls_why;

static void on_trace(enum MQTTCLIENT_TRACE_LEVELS level, char *message) {
  (void)level;
  if (message != NULL && strstr(message, "X509_check_host for hostname") != NULL) {
    tls_why.host_mismatch = true; /* fatal only if the IP check after it fails too, i.e. if connect fails */
  }
}

static int on_ssl_error(const char *str, size_t len, void *u) {
  (void)u;
  if (tls_why.openssl[0] == '\0') {
    while (len > 0 && (str[len - 1] == '\n' || str[len - 1] == ':')) {
      len--;
    }
    snprintf(tls_why.openssl, sizeof tls_why.openssl, "%.*s", (int)len, str);
  }
  return 0;
}

/* The reason a connect failed, in words a user can act on. */
static void connect_error(const vnet_paho_options *opt, int rc, char *buf, size_t cap) {
  if (opt->tls && tls_why.host_mismatch) {
    snprintf(buf, cap, "TLS: the broker's certificate does not match the host name '%s' (connect by a name "
        "the certificate carries; --tls-insecure skips this check)", opt->host);
  } else if (opt->tls && strstr(tls_why.openssl, "certificate verify failed") != NULL) {
    snprintf(buf, cap, "TLS: the broker's certificate is not signed by a CA in %s%s (OpenSSL: %s)",
        opt->ca_file ? "--ca-file " : "the system trust store", opt->ca_file ? opt->ca_file : "", tls_why.openssl);
  } else if (opt->tls && tls_why.openssl[0] != '\0') {
    snprintf(buf, cap, "TLS handshake failed (OpenSSL: %s)", tls_why.openssl);
  } else {
    snprintf(buf, cap, "%s", MQTTClient_strerror(rc));
  }
}

/* Re-reads in progress (ops->reread): the topic and when its retained message has surely arrived. */
#define REREADS 8
#define REREAD_MS 1000
static struct {
  char topic[VNET_TOPIC_MAX + 1];
  long long deadline_ms;
} rereads[REREADS];

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int publish(void *user, const char *topic, const uint8_t *payload, size_t len, bool retained) {
  MQTTClient_deliveryToken token;
  (void)user;
  int rc = MQTTClient_publish(client, topic, (int)len, (void *)payload, 1, retained, &token);
  if (rc != MQTTCLIENT_SUCCESS) {
    fprintf(stderr, "vnet-frontend: publish to %s failed: %s\n", topic, MQTTClient_strerror(rc));
  }
  return rc;
}

static int subscribe(void *user, const char *filter) {
  (void)user;
  int rc = MQTTClient_subscribe(client, filter, 1);
  if (rc != MQTTCLIENT_SUCCESS) {
    fprintf(stderr, "vnet-frontend: subscribe %s failed: %s\n", filter, MQTTClient_strerror(rc));
  }
  return rc;
}

static int unsubscribe(void *user, const char *filter) {
  (void)user;
  return MQTTClient_unsubscribe(client, filter);
}

static void now(void *user, char *iso, size_t cap) {
  struct timespec ts;
  (void)user;
  clock_gettime(CLOCK_REALTIME, &ts);
  vnet_instant t = {ts.tv_sec, (uint32_t)(ts.tv_nsec / 1000 * 1000)}; /* microseconds, as Instant.now() */
  if (vnet_instant_format(iso, cap, t) < 0 && cap > 0) {
    iso[0] = '\0';
  }
}

static int reread(void *user, const char *topic) {
  (void)user;
  for (int i = 0; i < REREADS; i++) {
    if (rereads[i].topic[0] == '\0' && strlen(topic) < sizeof rereads[i].topic) {
      strcpy(rereads[i].topic, topic);
      rereads[i].deadline_ms = now_ms() + REREAD_MS;
      return MQTTClient_subscribe(client, topic, 1); /* its retained message, if any, comes after the SUBACK */
    }
  }
  return -1; /* all busy: the device stays until the next live "gone" */
}

/* Ends the re-reads whose time is up (or all of them, after a reconnect lost their subscriptions). */
static void finish_rereads(vnet_node *node, bool all) {
  for (int i = 0; i < REREADS; i++) {
    if (rereads[i].topic[0] != '\0' && (all || now_ms() >= rereads[i].deadline_ms)) {
      char topic[VNET_TOPIC_MAX + 1];
      strcpy(topic, rereads[i].topic);
      rereads[i].topic[0] = '\0';
      if (!all) {
        MQTTClient_unsubscribe(client, topic);
      }
      vnet_node_reread_done(node, topic);
    }
  }
}

void vnet_paho_ops(vnet_ops *ops) {
  ops->publish = publish;
  ops->subscribe = subscribe;
  ops->unsubscribe = unsubscribe;
  ops->now = now;
  ops->reread = reread;
}

void *vnet_paho_user(void) { return &client; }

/*
 * Paho C leaves Nagle's algorithm on and has no option for its socket, so a view published right after
 * the PUBACK of the IRQ waited for the broker's delayed ACK (measured: ~120 ms median per cable change
 * against ~40 ms for the Java frontend). This CLI has no TCP socket but the broker connection: set
 * TCP_NODELAY on every connected TCP socket of the process, after each connect.
 */
static void set_tcp_nodelay(void) {
  for (int fd = 3; fd < 1024; fd++) {
    int type = 0, one = 1;
    socklen_t len = sizeof type;
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM
        && getpeername(fd, (struct sockaddr *)&peer, &plen) == 0
        && (peer.ss_family == AF_INET || peer.ss_family == AF_INET6)) {
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
}

static void pause_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL); /* a signal cuts it short, which is what a stop wants */
}

int vnet_paho_run(vnet_node *node, const vnet_paho_options *opt, volatile sig_atomic_t *stop) {
  MQTTClient_init_options init = MQTTClient_init_options_initializer;
  init.do_openssl_init = 1; /* nothing else in this process uses OpenSSL: Paho initialises it, once, here */
  MQTTClient_global_init(&init);
  int rc = MQTTClient_create(&client, opt->broker, opt->client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL);
  if (rc != MQTTCLIENT_SUCCESS) {
    fprintf(stderr, "vnet-frontend: bad broker %s: %s\n", opt->broker, MQTTClient_strerror(rc));
    return 1;
  }
  long backoff = 100;
  bool connected = false;
  while (!*stop) {
    if (!connected) {
      MQTTClient_connectOptions co = MQTTClient_connectOptions_initializer;
      co.keepAliveInterval = 10;
      co.cleansession = 1;
      co.username = opt->username;
      co.password = opt->password;
      co.connectTimeout = 5;
      /* Paho's default (reliable = 1) allows one unacknowledged publish: the view after an ANNOUNCE_ACK
         then waited in MQTTClient_yield for 100 ms. Allow 10 in flight. */
      co.reliable = 0;
      MQTTClient_SSLOptions ssl = MQTTClient_SSLOptions_initializer;
      if (opt->tls) {
        ssl.trustStore = opt->ca_file;                /* NULL: OpenSSL's default paths, the system's CAs */
        ssl.enableServerCertAuth = 1;                  /* the chain to a trusted CA, always */
        ssl.verify = !opt->tls_insecure;               /* the host name (X509_check_host, then the IP) */
        ssl.ssl_error_cb = on_ssl_error;
        co.ssl = &ssl;
        memset(&tls_why, 0, sizeof tls_why);
        MQTTClient_setTraceLevel(MQTTCLIENT_TRACE_PROTOCOL); /* the level of Paho's host name check line */
        MQTTClient_setTraceCallback(on_trace);
      }
      rc = MQTTClient_connect(client, &co);
      if (opt->tls) {
        MQTTClient_setTraceCallback(NULL); /* no formatting of trace lines per message once connected */
      }
      if (rc != MQTTCLIENT_SUCCESS) {
        char why[400];
        connect_error(opt, rc, why, sizeof why);
        fprintf(stderr, "vnet-frontend: connect to %s failed: %s; retry in %ld ms\n", opt->broker, why, backoff);
        pause_ms(backoff);
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
        continue;
      }
      connected = true;
      backoff = 100;
      set_tcp_nodelay();
      finish_rereads(node, true); /* a clean session: the retained devices come again anyway */
      vnet_node_on_connected(node);
      printf("vnet-frontend: connected to %s, serving cpu %u\n", opt->broker, (unsigned)node->cpu);
    }
    char *topic = NULL;
    int topic_len = 0;
    MQTTClient_message *m = NULL;
    rc = MQTTClient_receive(client, &topic, &topic_len, &m, 100);
    if (m != NULL && topic != NULL) {
      vnet_node_on_message(node, topic, (const uint8_t *)m->payload, (size_t)m->payloadlen, m->retained != 0);
    }
    if (m != NULL) {
      MQTTClient_freeMessage(&m);
    }
    if (topic != NULL) {
      MQTTClient_free(topic);
    }
    finish_rereads(node, false);
    if ((rc != MQTTCLIENT_SUCCESS && rc != MQTTCLIENT_TOPICNAME_TRUNCATED) || !MQTTClient_isConnected(client)) {
      fprintf(stderr, "vnet-frontend: connection to %s lost; reconnecting\n", opt->broker);
      connected = false;
    }
  }
  if (connected) {
    vnet_node_remove_all(node); /* clears the retained views: no garbage left behind */
    MQTTClient_disconnect(client, 2000);
  }
  MQTTClient_destroy(&client);
  return 0;
}
