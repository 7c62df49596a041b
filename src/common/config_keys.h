// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The one table of configuration keys. Each entry knows its name, environment variable, type,
// description, how to parse a value from text (environment, flags) or JSON (config file) into a
// Config, and how to write it back as JSON. Loading, validation, ConfigToJson, --help and
// docs/configuration.md all derive from it, so adding a setting means adding one entry.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "streamgate/config.h"

namespace streamgate::internal {

// One value as a source gives it: text (environment, flag) or a JSON value (config file).
struct ConfigInput {
  std::string_view text;
  const nlohmann::json* json = nullptr;  // non-null for the config file
};

struct ConfigKey {
  std::string key;   // "server.port"
  std::string env;   // "STREAMGATE_SERVER_PORT"
  std::string type;  // "integer", "string", "boolean", "enum(text|json)"
  std::string description;
  bool is_boolean = false;  // a bare flag (--log.access_log) means true
  // Parses `input` and stores it in the config. An error carries only the reason
  // ("\"80x\" is not an integer in [0, 65535]"): the caller knows the key and the source.
  std::function<Status(const ConfigInput& input, Config& config)> apply;
  std::function<nlohmann::json(const Config& config)> to_json;
};

// Every key, in documentation order.
const std::vector<ConfigKey>& ConfigKeys();
// nullptr when `key` is unknown.
const ConfigKey* FindConfigKey(std::string_view key);
// True when `prefix` is a section ("server") holding at least one key.
bool IsConfigSection(std::string_view prefix);

// "server.port" -> "STREAMGATE_SERVER_PORT".
std::string EnvNameForKey(std::string_view key);
// The value as a human reads it: strings unquoted, everything else as JSON.
std::string ConfigValueText(const ConfigKey& key, const Config& config);
// DescribeConfigKeys with the defaults of a given service (its port, its name) for --help.
std::vector<ConfigKeyInfo> DescribeConfigKeys(const Config& defaults);
// A value quoted for an error message: JSON-escaped, cut after 64 bytes.
std::string QuoteForMessage(std::string_view text);

}  // namespace streamgate::internal
