# Shared by the benchmark scripts (sourced, not run): free ports, start-up waits, and the nginx
# configuration both comparisons use, so that nginx is set up identically in each.
# shellcheck shell=bash

PYTHON=/usr/bin/python3
NGINX=${NGINX:-/usr/sbin/nginx}

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# shellcheck source=../scripts/lib/loopback.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/loopback.sh"

# wait_for URL PID NAME: until URL answers, failing when PID exits first or after 10 s.
wait_for() {
  wait_http "$1" "$2" || die "$3 exited or did not answer $1 within 10 s"
}

# start_nginx DIR PORT ROOT WORKER_CONNECTIONS KEEPALIVE_TIMEOUT [SERVER_EXTRA]: writes
# DIR/nginx.conf, starts nginx in the foreground of a background job and sets NGINX_PID.
# SERVER_EXTRA is inserted into the server block (e.g. a secure_link location), $NGINX_HTTP_EXTRA
# (when set) into the http block (e.g. an upstream). Ordinary production settings:
# one worker per CPU, sendfile, tcp_nopush, no access log; temp paths and pid inside DIR.
start_nginx() {
  local dir=$1 port=$2 root=$3 connections=$4 keepalive=$5 extra=${6:-}
  [[ -x $NGINX ]] || die "no $NGINX (apt-get install nginx-light, or scripts/install-deps.sh)"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes auto;
worker_rlimit_nofile $((connections + 64));
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
  worker_connections $connections;
}
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout $keepalive;
  keepalive_requests 100000;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
${NGINX_HTTP_EXTRA:-}
  server {
    listen 127.0.0.1:$port;
    root $root;
$extra
  }
}
CONF
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  # shellcheck disable=SC2034  # read by the sourcing script
  NGINX_PID=$!
}

machine_line() {
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
}

# run_wrk URL DURATION: one wrk run with WRK_THREADS/WRK_CONNECTIONS; prints
# "<requests/s> <socket errors + non-2xx/3xx responses>".
run_wrk() {
  local out rps errors non2xx
  out=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$2" "$1")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  [[ -n $rps ]] || die "could not parse wrk output: $out"
  echo "$rps $((${errors:-0} + ${non2xx:-0}))"
}

# The median of the numbers on stdin (space- or newline-separated).
median() {
  tr ' ' '\n' | awk 'NF' | sort -g |
    awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
