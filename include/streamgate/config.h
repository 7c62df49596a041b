// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Config: every setting of a StreamGate process, loaded in layers: built-in defaults, then an
// optional JSON file (--config PATH), then environment variables STREAMGATE_<SECTION>_<KEY>,
// then command-line flags --<section>.<key>=<value>. docs/configuration.md lists every key.
// Config is a plain value: copy it freely; the functions below are thread-safe (LoadConfig reads
// the environment and the file it is given, nothing else). Errors are InvalidArgument naming the
// key and where its value came from.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "streamgate/authenticator.h"
#include "streamgate/cache.h"
#include "streamgate/gateway.h"
#include "streamgate/event_bus.h"
#include "streamgate/http.h"
#include "streamgate/job_queue.h"
#include "streamgate/logging.h"
#include "streamgate/metadata_store.h"
#include "streamgate/monitor.h"
#include "streamgate/object_store.h"
#include "streamgate/ownership.h"
#include "streamgate/result.h"
#include "streamgate/runtime.h"
#include "streamgate/streaming.h"
#include "streamgate/transcoder.h"
#include "streamgate/uploader.h"

namespace streamgate {

// The `web.*` section: the browser app the monolith serves at `/` (docs/web.md).
struct WebOptions {
  // Serve the app (`/`, `/index.html`, `/app/...`) and poster thumbnails.
  bool enabled = true;
  // Directory holding index.html and app/. Empty: <prefix>/share/streamgate/web next to the
  // installed binary, else the build tree's copy (build/share/streamgate/web).
  std::string root;
  // Serve every ready item's poster at /api/v1/web/poster/{content_id} without a session, gated
  // items included (catalogue thumbnails); false limits posters to ungated items.
  bool public_posters = true;
  // Cache-Control max-age of the vendored libraries under /app/vendor/ (the app's own files are
  // revalidated on every load).
  int64_t vendor_max_age_s = 86400;
};

struct Config {
  // Which shell this is ("streamgate" for the monolith, "upload", …): logs, health, metrics.
  std::string service = "streamgate";
  // Every file the process writes (SQLite files, uploads, media) lives below this directory.
  std::string data_dir = "./data";  // STREAMGATE_DATA_DIR
  HttpServerOptions server;         // STREAMGATE_SERVER_*
  RuntimeOptions runtime;           // STREAMGATE_RUNTIME_*
  LogOptions log;                   // STREAMGATE_LOG_*
  UploaderOptions upload;           // STREAMGATE_UPLOAD_* (state_dir: data_dir)
  TranscodeSettings transcode;      // STREAMGATE_TRANSCODE_*
  // Wallet sign-in (STREAMGATE_AUTH_*). `auth.jwt_key_file` empty and `auth.jwt_keys` empty:
  // the auth plugin keeps its keys in <data_dir>/auth/session_keys (created on first start).
  AuthenticatorOptions auth;
  MonitorOptions monitor;      // STREAMGATE_MONITOR_*
  StreamingOptions streaming;  // STREAMGATE_STREAMING_*
  StorageOptions storage;      // STREAMGATE_STORAGE_*
  OwnershipOptions chain;      // STREAMGATE_CHAIN_*
  JobsConfig jobs;             // STREAMGATE_JOBS_*
  CacheConfig cache;           // STREAMGATE_CACHE_*
  MetadataConfig metadata;     // STREAMGATE_METADATA_*
  WebOptions web;              // STREAMGATE_WEB_*
  GatewayOptions gateway;      // STREAMGATE_GATEWAY_*
  EventsConfig events;         // STREAMGATE_EVENTS_* (which EventBus the Kernel creates)
};

struct ConfigSources {
  // Command-line arguments without the program name: "--config", "x.json", "--server.port=9",
  // "--server.port", "9".
  std::vector<std::string> args;
  // The environment to read; nullopt reads the process environment.
  std::optional<std::map<std::string, std::string>> environment;
};

// Applies the layers on top of `defaults`. Every error names the offending key and source, e.g.
// `InvalidArgument: STREAMGATE_SERVER_PORT: "80x" is not an integer in [0, 65535]`. Unknown keys
// in the JSON file or in flags are errors; unknown STREAMGATE_* variables are ignored (they may
// belong to a newer version) but logged at warn level.
Result<Config> LoadConfig(const ConfigSources& sources, Config defaults = {});

// Checks cross-field rules (ports, positive limits, …); LoadConfig calls it too.
Status ValidateConfig(const Config& config);

// The effective configuration as a JSON document (the same shape as the config file).
std::string ConfigToJson(const Config& config);

// One entry per key, for --help and docs/configuration.md.
struct ConfigKeyInfo {
  std::string key;   // "server.port"
  std::string env;   // "STREAMGATE_SERVER_PORT"
  std::string type;  // "integer", "string", "boolean", "enum(text|json)"
  std::string default_value;
  std::string description;
};
std::vector<ConfigKeyInfo> DescribeConfigKeys();

}  // namespace streamgate
