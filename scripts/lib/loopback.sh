# Sourced by the test and benchmark scripts: free loopback ports and start-up waits.
# shellcheck shell=bash

# Prints a TCP port that is free on 127.0.0.1 right now. (Another process could take it before
# the caller binds it; the callers start one server per port straight away.)
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL PID: returns 0 as soon as URL answers with any HTTP status, 1 when process PID
# exits first or nothing answers within 10 s.
wait_http() {
  local _
  for _ in $(seq 100); do
    curl -s -o /dev/null --noproxy '*' --max-time 1 "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
