// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// The common base of the plugins that ship with libstreamgate: a fixed name and the plugin's
// Config kept from Init(). Each plugin lives in its own file and overrides what it needs.
#pragma once

#include <string>
#include <utility>

#include "streamgate/kernel.h"

namespace streamgate::internal {

// Thread-compatible; Health() is safe from any thread (it reads nothing mutable).
class ServicePlugin : public Plugin {
 public:
  explicit ServicePlugin(std::string name) : name_(std::move(name)) {}

  std::string Name() const override { return name_; }
  Status Init(PluginContext& context) override {
    config_ = &context.config;
    return Status::Ok();
  }

 protected:
  // Valid after Init(); the Kernel keeps the Config alive longer than any plugin.
  const Config& config() const { return *config_; }

 private:
  const std::string name_;
  const Config* config_ = nullptr;
};

}  // namespace streamgate::internal
