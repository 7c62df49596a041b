// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// What every service binary does besides choosing its plugins: flags and environment to Config,
// logging, the data directory, Runtime and Kernel, serve until SIGINT/SIGTERM, exit code.
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "common/config_keys.h"
#include "streamgate/config.h"
#include "streamgate/logging.h"
#include "streamgate/service.h"
#include "streamgate/version.h"

namespace streamgate {
namespace {

std::string BinaryName(const ServiceInfo& info) {
  return info.name == "streamgate" ? info.name : "streamgate-" + info.name;
}

Config ServiceDefaults(const ServiceInfo& info) {
  Config defaults;
  defaults.service = info.name;
  defaults.server.port = info.default_port;
  return defaults;
}

void PrintUsage(const ServiceInfo& info) {
  const std::string binary = BinaryName(info);
  std::printf(
      "Usage: %s [--config FILE] [--KEY=VALUE | --KEY VALUE]...\n"
      "\n"
      "StreamGate %s service \"%s\" (default port %u).\n"
      "\n"
      "Settings come from, in increasing precedence: built-in defaults, the JSON file given by\n"
      "--config (or STREAMGATE_CONFIG), environment variables, then flags.\n"
      "\n"
      "Options:\n"
      "  --help            print this help and exit\n"
      "  --version         print the version and exit\n"
      "  --config FILE     read settings from a JSON file ({\"server\": {\"port\": 8080}})\n"
      "\n"
      "Settings (flag, environment variable, type, default):\n",
      binary.c_str(), kVersion, info.name.c_str(), static_cast<unsigned>(info.default_port));
  for (const ConfigKeyInfo& key : internal::DescribeConfigKeys(ServiceDefaults(info))) {
    std::printf("  --%s\n      %s  %s  default: %s\n      %s\n", key.key.c_str(), key.env.c_str(),
                key.type.c_str(), key.default_value.empty() ? "\"\"" : key.default_value.c_str(),
                key.description.c_str());
  }
  std::printf("\nExit codes: 0 clean shutdown, 1 startup failed, 2 invalid configuration.\n");
}

bool HasArg(const std::vector<std::string>& args, std::string_view a, std::string_view b = {}) {
  for (const std::string& arg : args) {
    if (arg == a || (!b.empty() && arg == b)) return true;
  }
  return false;
}

void Info(const std::string& message) { Log(LogLevel::kInfo, "service", message); }
void Error(const std::string& message) { Log(LogLevel::kError, "service", message); }

}  // namespace

int RunService(int argc, char** argv, const ServiceInfo& info,
               const std::function<Status(Kernel&)>& register_plugins) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (HasArg(args, "--help", "-h")) {
    PrintUsage(info);
    return kExitOk;
  }
  if (HasArg(args, "--version")) {
    std::printf("%s %s\n", BinaryName(info).c_str(), kVersion);
    return kExitOk;
  }

  Result<Config> loaded = LoadConfig(ConfigSources{args, std::nullopt}, ServiceDefaults(info));
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s: invalid configuration: %s\n", BinaryName(info).c_str(),
                 loaded.status().message().c_str());
    return kExitBadConfig;
  }
  const Config& config = *loaded;
  if (const Status status = ConfigureLogging(config.log); !status.ok()) {
    std::fprintf(stderr, "%s: log: %s\n", BinaryName(info).c_str(), status.ToString().c_str());
    return kExitBadConfig;
  }

  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error) {
    Error("cannot create data_dir \"" + config.data_dir + "\": " + error.message());
    return kExitStartupFailed;
  }

  // Blocked before any thread exists, so that every thread inherits the mask and the signals
  // wait for sigwait() below instead of interrupting arbitrary code. SIGPIPE is ignored: a
  // client that hangs up mid-response must cost one connection, not the process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<Runtime>> runtime = Runtime::Create(config.runtime);
  if (!runtime.ok()) {
    Error("cannot create runtime: " + runtime.status().ToString());
    return kExitStartupFailed;
  }
  {
    Result<std::unique_ptr<Kernel>> kernel = Kernel::Create(config, **runtime);
    if (!kernel.ok()) {
      Error("cannot create kernel: " + kernel.status().ToString());
      return kExitStartupFailed;
    }
    if (const Status status = register_plugins(**kernel); !status.ok()) {
      Error("cannot register plugins: " + status.ToString());
      return kExitStartupFailed;
    }
    if (const Status status = (*kernel)->Start(); !status.ok()) {
      Error("startup failed: " + status.ToString());
      return kExitStartupFailed;
    }
    Info("started service=" + config.service + " version=" + kVersion +
         " address=" + config.server.host + " port=" + std::to_string((*kernel)->port()) +
         " data_dir=" + config.data_dir);

    int received = 0;
    while (sigwait(&signals, &received) != 0) {
    }
    Info(std::string("shutting down on ") + (received == SIGINT ? "SIGINT" : "SIGTERM"));
    if (const Status status = (*kernel)->Stop(); !status.ok()) {
      Error("shutdown: " + status.ToString());
      // Still exit 0: the process did shut down on request; the log says what went wrong.
    }
  }
  (*runtime)->Stop();
  Info("stopped");
  return kExitOk;
}

}  // namespace streamgate
