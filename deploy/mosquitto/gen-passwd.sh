#!/bin/sh
# Writes the broker's password file from the environment (the passwords in .env), then runs the
# given command (the broker). Used as the "broker" service's entrypoint in docker-compose.yml, so
# password hashes are made at start into a tmpfs and never committed or baked into an image.
#
#   VNET_PASSWD_FILE=/tmp/passwd VNET_AGENT_PASSWORD=… … gen-passwd.sh [command …]
#
# Users (fixed, they are the names in deploy/mosquitto/acl) and the variables holding their passwords:
#   agent ← VNET_AGENT_PASSWORD, backend ← VNET_BACKEND_PASSWORD, frontend ← VNET_FRONTEND_PASSWORD,
#   injector ← VNET_INJECTOR_PASSWORD, observer ← VNET_OBSERVER_PASSWORD.
# An empty or unset password leaves that user out (it cannot log in); at least one user is required.
set -eu

passwd_file="${VNET_PASSWD_FILE:-/mosquitto/run/passwd}"
umask 077
mkdir -p "$(dirname "$passwd_file")"
: > "$passwd_file"

users=0
add_user() {
  if [ -n "$2" ]; then
    mosquitto_passwd -b "$passwd_file" "$1" "$2"
    users=$((users + 1))
  else
    echo "gen-passwd: no password for MQTT user '$1' (variable $3): that user cannot log in" >&2
  fi
}
add_user agent "${VNET_AGENT_PASSWORD:-}" VNET_AGENT_PASSWORD
add_user backend "${VNET_BACKEND_PASSWORD:-}" VNET_BACKEND_PASSWORD
add_user frontend "${VNET_FRONTEND_PASSWORD:-}" VNET_FRONTEND_PASSWORD
add_user injector "${VNET_INJECTOR_PASSWORD:-}" VNET_INJECTOR_PASSWORD
add_user observer "${VNET_OBSERVER_PASSWORD:-}" VNET_OBSERVER_PASSWORD

if [ "$users" -eq 0 ]; then
  echo "gen-passwd: no MQTT password set; copy .env.example to .env and set them" >&2
  exit 1
fi
# The broker drops root privileges to the "mosquitto" user before it reads this file.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
  chown mosquitto:mosquitto "$passwd_file"
fi
echo "gen-passwd: $users MQTT users written to $passwd_file"

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
