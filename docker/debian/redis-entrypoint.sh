#!/bin/sh
# As the official image does: a redis-server started without a config file gets
# --protected-mode no (otherwise it refuses every client that is not on loopback).
set -eu
if [ "${1:-}" = redis-server ]; then
  case "${2:-}" in
    *.conf) ;;
    *) shift; set -- redis-server --protected-mode no "$@" ;;
  esac
fi
exec "$@"
