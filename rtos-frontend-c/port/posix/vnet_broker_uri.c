/*
 * --broker, accepted and refused as java.net.URI and vnet-runtime's BrokerUri do: a scheme of five,
 * a host that is a name (RFC 2396 labels, the last one starting with a letter), a dotted IPv4 address or
 * a bracketed IPv6 one, an optional port 1..65535, no credentials, no path, query or fragment.
 */
#include "vnet_broker_uri.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXPECTED "must start with tcp:// or ssl:// (or mqtt://, tls://, mqtts://)"

/* Characters java.net.URI takes in a URI (unreserved, reserved, escapes, brackets, fragment). */
static bool uri_char(char c) {
  return isalnum((unsigned char)c) || (c != '\0' && strchr("-_.!~*'();/?:@&=+$,%[]#", c) != NULL);
}

static bool ipv4(const char *s, size_t n) {
  int parts = 0;
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    unsigned v = 0;
    while (i < n && isdigit((unsigned char)s[i]) && i - start < 3) {
      v = v * 10 + (unsigned)(s[i++] - '0');
    }
    if (i == start || v > 255) {
      return false;
    }
    parts++;
    if (i < n && (s[i] != '.' || parts == 4 || i + 1 == n)) {
      return false;
    }
    i += i < n;
  }
  return parts == 4;
}

/* java.net.URI's hostname: alphanumeric labels with inner dashes, dot-separated, an optional final dot;
   with more than one label the last starts with a letter (else "1.2.3" would pass for an address). */
static bool hostname(const char *s, size_t n) {
  size_t i = 0, last = 0;
  bool any = false;
  while (i < n) {
    if (!isalnum((unsigned char)s[i])) {
      return false;
    }
    last = i;
    any = true;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-')) {
      i++;
    }
    if (s[i - 1] == '-') {
      return false;
    }
    if (i < n && s[i++] != '.') {
      return false;
    }
  }
  return any && (last == 0 || isalpha((unsigned char)s[last]));
}

/* The broker as echoed in a message: credentials, if any, masked (the password is never printed). */
static void shown(const char *b, char *out, size_t cap) {
  const char *auth = strstr(b, "://");
  const char *at = auth ? strchr(auth + 3, '@') : NULL;
  const char *end = auth ? auth + 3 + strcspn(auth + 3, "/?#") : NULL;
  if (at != NULL && at < end) {
    snprintf(out, cap, "%.*s***%s", (int)(auth + 3 - b), b, at);
  } else {
    snprintf(out, cap, "%s", b);
  }
}

bool vnet_broker_uri_parse(const char *broker, vnet_broker_uri *out, char *err, size_t errcap) {
  char b[512], show[540], scheme[16];
  const char *s = broker ? broker : "";
  while (isspace((unsigned char)*s)) {
    s++;
  }
  size_t len = strlen(s);
  while (len > 0 && isspace((unsigned char)s[len - 1])) {
    len--;
  }
  if (len == 0) {
    snprintf(err, errcap, "--broker is empty; use tcp://HOST:PORT or ssl://HOST:PORT");
    return false;
  }
  if (len >= sizeof b) {
    snprintf(err, errcap, "--broker is longer than %zu characters", sizeof b - 1);
    return false;
  }
  memcpy(b, s, len);
  b[len] = '\0';
  shown(broker, show, sizeof show);
  const char *sep = strstr(b, "://");
  if (sep == NULL) {
    snprintf(err, errcap, "--broker '%s' has no scheme; " EXPECTED, show);
    return false;
  }
  size_t slen = (size_t)(sep - b);
  bool scheme_ok = slen > 0 && isalpha((unsigned char)b[0]);
  for (size_t i = 0; i < slen; i++) {
    scheme_ok = scheme_ok && (isalnum((unsigned char)b[i]) || strchr("+-.", b[i]) != NULL);
  }
  bool chars_ok = true;
  for (size_t i = 0; i < len; i++) {
    chars_ok = chars_ok && uri_char(b[i]);
  }
  const char *auth = sep + 3;
  if (!scheme_ok || !chars_ok || *auth == '\0') {
    snprintf(err, errcap, "--broker '%s' is not a URI like tcp://HOST:PORT (%s)", show,
        !scheme_ok ? "illegal scheme" : !chars_ok ? "illegal character" : "expected authority");
    return false;
  }
  snprintf(scheme, sizeof scheme, "%.*s", (int)(slen < sizeof scheme ? slen : sizeof scheme - 1), b);
  for (char *c = scheme; *c; c++) {
    *c = (char)tolower((unsigned char)*c);
  }
  bool tls = strcmp(scheme, "ssl") == 0 || strcmp(scheme, "tls") == 0 || strcmp(scheme, "mqtts") == 0;
  if (slen >= sizeof scheme || (!tls && strcmp(scheme, "tcp") != 0 && strcmp(scheme, "mqtt") != 0)) {
    snprintf(err, errcap, "--broker '%s' " EXPECTED, show);
    return false;
  }
  size_t alen = strcspn(auth, "/?#");
  const char *at = memchr(auth, '@', alen);
  const char *hp = at ? at + 1 : auth; /* host[:port] */
  size_t hplen = alen - (size_t)(hp - auth);
  /* the host: [v6], or up to the first ':' */
  const char *host = hp, *port = NULL;
  size_t hlen;
  bool host_ok;
  char v6[64];
  if (hplen > 0 && hp[0] == '[') {
    const char *close = memchr(hp, ']', hplen);
    hlen = close ? (size_t)(close - hp) + 1 : hplen;
    host_ok = close && hlen - 2 < sizeof v6;
    if (host_ok) {
      struct in6_addr a;
      snprintf(v6, sizeof v6, "%.*s", (int)(hlen - 2), hp + 1);
      host_ok = inet_pton(AF_INET6, v6, &a) == 1;
    }
  } else {
    const char *colon = memchr(hp, ':', hplen);
    hlen = colon ? (size_t)(colon - hp) : hplen;
    host_ok = hlen > 0 && hlen <= VNET_BROKER_HOST_MAX && (ipv4(hp, hlen) || hostname(hp, hlen));
  }
  size_t plen = 0;
  if (host_ok && hlen < hplen) {
    host_ok = hp[hlen] == ':';
    port = hp + hlen + 1;
    plen = hplen - hlen - 1;
    for (size_t i = 0; i < plen; i++) {
      host_ok = host_ok && isdigit((unsigned char)port[i]);
    }
    host_ok = host_ok && plen <= 9; /* larger does not fit Java's int: no server authority there either */
  }
  if (!host_ok) {
    if (alen == 0) {
      snprintf(err, errcap, "--broker '%s' has no host; use %s://HOST:PORT", show, scheme);
    } else {
      snprintf(err, errcap, "--broker '%s' has no valid HOST:PORT in '%.*s'; use %s://HOST:PORT", show,
          at ? (int)hplen : (int)alen, at ? hp : auth, scheme);
    }
    return false;
  }
  if (at != NULL) {
    snprintf(err, errcap, "--broker '%s' has credentials in it; use --username and VNET_MQTT_PASSWORD", show);
    return false;
  }
  const char *rest = auth + alen;
  if ((rest[0] == '/' && rest[1] != '\0') || rest[0] == '?' || rest[0] == '#') {
    snprintf(err, errcap, "--broker '%s' has a path, query or fragment; use %s://HOST:PORT", show, scheme);
    return false;
  }
  unsigned long p = plen > 0 ? strtoul(port, NULL, 10) : 0;
  if (plen > 0 && (p == 0 || p > 65535)) {
    snprintf(err, errcap, "--broker '%s': port must be 1..65535, got %lu", show, p);
    return false;
  }
  memset(out, 0, sizeof *out);
  if (host[0] == '[') {
    snprintf(out->host, sizeof out->host, "%s", v6);
  } else {
    snprintf(out->host, sizeof out->host, "%.*s", (int)hlen, host);
  }
  out->port = (unsigned)p;
  out->tls = tls;
  return true;
}

unsigned vnet_broker_uri_port(const vnet_broker_uri *uri) {
  return uri->port > 0 ? uri->port : uri->tls ? 8883u : 1883u;
}

void vnet_broker_uri_format(const vnet_broker_uri *uri, char *buf, size_t cap) {
  bool v6 = strchr(uri->host, ':') != NULL;
  snprintf(buf, cap, "%s://%s%s%s:%u", uri->tls ? "ssl" : "tcp", v6 ? "[" : "", uri->host, v6 ? "]" : "",
      vnet_broker_uri_port(uri));
}
