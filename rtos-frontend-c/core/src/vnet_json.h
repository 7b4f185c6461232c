/* Strict JSON access over jsmn tokens (internal to the core). */
#ifndef VNET_JSON_H
#define VNET_JSON_H

#include "vnet/vnet.h"

/* jsmntype_t values */
#define VNET_TOK_OBJECT 1
#define VNET_TOK_ARRAY 2
#define VNET_TOK_STRING 3
#define VNET_TOK_PRIMITIVE 4

/*
 * Checks size, UTF-8, RFC 8259 syntax (as Jackson's defaults: no comments, no leading zeros, no
 * NaN, no trailing content), that it is an object, and the schema version "v"; then tokenizes.
 */
vnet_err vnet_json_parse(vnet_json *doc, const uint8_t *payload, size_t len);
/* As vnet_json_parse with another size cap (the irq topic's). */
vnet_err vnet_json_parse_max(vnet_json *doc, const uint8_t *payload, size_t len, size_t max);

/* String token t equals text once its escapes are decoded ("\u0069rq" is "irq", as Jackson reads it);
   text is shorter than 24 bytes. */
bool vnet_json_is(const vnet_json *doc, int t, const char *text);

/* The token of key's value in object obj (the last one if repeated), or -1 if absent or null. */
int vnet_json_find(const vnet_json *doc, int obj, const char *key);
/* As vnet_json_find, but a null value counts as present (Jackson's ObjectNode.has). */
int vnet_json_find_raw(const vnet_json *doc, int obj, const char *key);
/* The token after the subtree of token t. */
int vnet_json_next(const vnet_json *doc, int t);

vnet_err vnet_json_int(const vnet_json *doc, int obj, const char *key, int64_t min, int64_t max, int64_t *out);
/* As vnet_json_int with the range 0..max (the contract's unsigned fields). */
vnet_err vnet_json_uint(const vnet_json *doc, int obj, const char *key, uint32_t max, uint32_t *out);
vnet_err vnet_json_bool(const vnet_json *doc, int obj, const char *key, bool *out);
/* A string value decoded to UTF-8 (lone surrogates as 3-byte forms) into out[cap]; *len is its full
 * length, which may exceed cap - 1 (then out holds a prefix). */
vnet_err vnet_json_string(const vnet_json *doc, int obj, const char *key, char *out, size_t cap, size_t *len);
vnet_err vnet_json_string_tok(const vnet_json *doc, int t, char *out, size_t cap, size_t *len);
/* An ISO-8601 instant: its text (as received) into text and its value into *out. */
vnet_err vnet_json_instant(const vnet_json *doc, int obj, const char *key, char text[VNET_TS_MAX], vnet_instant *out);
/* Token of a value of the given type (VNET_TOK_*), or an error. */
vnet_err vnet_json_typed(const vnet_json *doc, int obj, const char *key, int type, int *tok);

/* [0-9A-Fa-f] */
bool vnet_is_hex(char c);

/* The number in s[0, n) of up to 9 digits (digits only), or -1. */
int32_t vnet_digits(const char *s, size_t n);

/* Appends s to out[0, n) with its NUL within cap: the new length, or cap (and stays so) once it does not fit. */
size_t vnet_append(char *out, size_t cap, size_t n, const char *s);

/* FNV-1a over s[0, n), from h (2166136261 to start). */
uint32_t vnet_fnv1a(uint32_t h, const char *s, size_t n);

/* UTF-8 validity as Java's strict decoder sees it. */
bool vnet_utf8_valid(const uint8_t *s, size_t n);

#endif
