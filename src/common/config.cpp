// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The layers of configuration: defaults, JSON file, environment, flags. What each key means and
// how its value is parsed lives in config_keys.cpp; this file only decides where values come from
// and says so in every error.
#include "streamgate/config.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/config_keys.h"
#include "storage/s3_options.h"
#include "streamgate/logging.h"

namespace streamgate {
namespace {

using internal::ConfigInput;
using internal::ConfigKey;
using internal::FindConfigKey;
using internal::QuoteForMessage;

constexpr std::string_view kEnvPrefix = "STREAMGATE_";
constexpr std::string_view kConfigEnv = "STREAMGATE_CONFIG";

// Where each key's effective value came from ("flag --server.port", "STREAMGATE_SERVER_PORT",
// "config file x.json"), so that a cross-field error can point at the source to fix.
using Origins = std::map<std::string, std::string, std::less<>>;

struct Flag {
  const ConfigKey* key;
  std::string value;
};

struct ParsedArgs {
  std::optional<std::string> config_path;
  std::vector<Flag> flags;
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Splits "--key=value" / "--key value" / "--flag" (booleans). --help and --version belong to
// RunService and are skipped here.
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "--version") continue;
    if (!StartsWith(arg, "--") || arg.size() == 2) {
      return Status::InvalidArgument("unexpected argument " + QuoteForMessage(arg) +
                                     " (settings are flags like --server.port=8080)");
    }
    const std::size_t equals = arg.find('=');
    const std::string name =
        arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    std::optional<std::string> value;
    if (equals != std::string::npos) value = arg.substr(equals + 1);
    const bool next_is_value = i + 1 < args.size() && !StartsWith(args[i + 1], "--");

    const ConfigKey* key = nullptr;
    if (name != "config") {
      key = FindConfigKey(name);
      if (key == nullptr) {
        return Status::InvalidArgument("flag --" + name + ": unknown key (--help lists them)");
      }
    }
    if (!value.has_value()) {
      if (next_is_value) {
        value = args[++i];
      } else if (key != nullptr && key->is_boolean) {
        value = "true";  // a bare boolean flag switches the setting on
      } else {
        return Status::InvalidArgument("flag --" + name + ": missing value");
      }
    }
    if (key == nullptr) {
      if (value->empty()) return Status::InvalidArgument("flag --config: missing file path");
      parsed.config_path = std::move(*value);
    } else {
      parsed.flags.push_back({key, std::move(*value)});
    }
  }
  return parsed;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

// Applies one JSON object level of the config file; `prefix` is the section ("" at the top).
Status ApplyJsonObject(const nlohmann::json& object, const std::string& prefix,
                       const std::string& source, Config& config, Origins& origins) {
  for (const auto& [name, value] : object.items()) {
    const std::string full = prefix.empty() ? name : prefix + "." + name;
    // Dotted names would make {"server.port": 1, "server": {"port": 2}} ambiguous.
    const ConfigKey* key =
        name.empty() || name.find('.') != std::string::npos ? nullptr : FindConfigKey(full);
    if (key != nullptr) {
      const Status status = key->apply(ConfigInput{{}, &value}, config);
      if (!status.ok()) return Status::InvalidArgument(full + ": " + status.message());
      origins[full] = source;
    } else if (internal::IsConfigSection(full) && name.find('.') == std::string::npos) {
      if (!value.is_object()) {
        return Status::InvalidArgument(full + ": expected an object (a section), got " +
                                       std::string(value.type_name()));
      }
      STREAMGATE_RETURN_IF_ERROR(ApplyJsonObject(value, full, source, config, origins));
    } else {
      return Status::InvalidArgument(QuoteForMessage(full) + ": unknown key");
    }
  }
  return Status::Ok();
}

Status ApplyConfigFile(const std::string& path, Config& config, Origins& origins) {
  const std::string source = "config file " + path;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Status::InvalidArgument(source + ": cannot open: " + std::strerror(errno));
  }
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(file);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": not valid JSON: " + e.what());
  }
  if (!document.is_object()) {
    return Status::InvalidArgument(source + ": expected a JSON object at the top level, got " +
                                   std::string(document.type_name()));
  }
  const Status status = ApplyJsonObject(document, "", source, config, origins);
  return status.ok() ? status : status.WithContext(source);
}

Status ApplyEnvironment(const std::map<std::string, std::string>& env, Config& config,
                        Origins& origins) {
  for (const ConfigKey& key : internal::ConfigKeys()) {
    const auto it = env.find(key.env);
    if (it == env.end()) continue;
    const Status status = key.apply(ConfigInput{it->second, nullptr}, config);
    if (!status.ok()) return Status::InvalidArgument(key.env + ": " + status.message());
    origins[key.key] = key.env;
  }
  for (const auto& [name, value] : env) {
    if (!StartsWith(name, kEnvPrefix) || name == kConfigEnv) continue;
    bool known = false;
    for (const ConfigKey& key : internal::ConfigKeys()) known = known || key.env == name;
    // Not an error: the variable may be meant for a newer version sharing the environment.
    if (!known) Log(LogLevel::kWarn, "config", "ignoring unknown environment variable " + name);
  }
  return Status::Ok();
}

// Per-key checks (the same parser as every source, run on the value the config holds) and then
// the rules that involve two keys. `key` receives the key an error is about.
Status Validate(const Config& config, std::string* key_out) {
  for (const ConfigKey& key : internal::ConfigKeys()) {
    const nlohmann::json value = key.to_json(config);
    Config scratch;
    const Status status = key.apply(ConfigInput{{}, &value}, scratch);
    if (!status.ok()) {
      *key_out = key.key;
      return Status::InvalidArgument(key.key + ": " + status.message());
    }
  }
  if (config.server.max_uri_bytes > config.server.max_header_bytes) {
    *key_out = "server.max_uri_bytes";
    return Status::InvalidArgument(
        "server.max_uri_bytes: " + std::to_string(config.server.max_uri_bytes) +
        " exceeds server.max_header_bytes (" + std::to_string(config.server.max_header_bytes) +
        "), which includes the request line");
  }
  if (Status storage = internal::ValidateStorageOptions(config.storage); !storage.ok()) {
    // The message starts with the key it is about ("storage.s3_bucket: required when ...").
    *key_out = storage.message().substr(0, storage.message().find(':'));
    return storage;
  }
  return Status::Ok();
}

}  // namespace

Result<Config> LoadConfig(const ConfigSources& sources, Config defaults) {
  Config config = std::move(defaults);
  Origins origins;
  STREAMGATE_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(sources.args));
  const std::map<std::string, std::string> env =
      sources.environment.has_value() ? *sources.environment : ProcessEnvironment();

  std::optional<std::string> config_path = args.config_path;
  if (!config_path.has_value()) {
    const auto it = env.find(std::string(kConfigEnv));
    if (it != env.end() && !it->second.empty()) config_path = it->second;
  }
  if (config_path.has_value()) {
    STREAMGATE_RETURN_IF_ERROR(ApplyConfigFile(*config_path, config, origins));
  }
  STREAMGATE_RETURN_IF_ERROR(ApplyEnvironment(env, config, origins));
  for (const Flag& flag : args.flags) {
    const Status status = flag.key->apply(ConfigInput{flag.value, nullptr}, config);
    if (!status.ok()) {
      return Status::InvalidArgument("flag --" + flag.key->key + ": " + status.message());
    }
    origins[flag.key->key] = "flag --" + flag.key->key;
  }

  std::string bad_key;
  const Status valid = Validate(config, &bad_key);
  if (!valid.ok()) {
    const auto it = origins.find(bad_key);
    return valid.WithContext(it != origins.end() ? it->second : "defaults");
  }
  return config;
}

Status ValidateConfig(const Config& config) {
  std::string ignored;
  return Validate(config, &ignored);
}

std::string ConfigToJson(const Config& config) {
  // ordered_json keeps the documentation order of the key table.
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
  for (const ConfigKey& key : internal::ConfigKeys()) {
    nlohmann::ordered_json* node = &document;
    std::string_view rest = key.key;
    for (std::size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
      node = &(*node)[std::string(rest.substr(0, dot))];
      rest.remove_prefix(dot + 1);
    }
    (*node)[std::string(rest)] = nlohmann::ordered_json(key.to_json(config));
  }
  return document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace streamgate
