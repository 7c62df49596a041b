// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include <map>
#include <mutex>
#include <typeindex>
#include <utility>

#include "streamgate/kernel.h"

namespace streamgate {

struct ServiceRegistry::Impl {
  mutable std::mutex mutex;  // guards services
  std::map<std::type_index, std::shared_ptr<void>> services;
};

ServiceRegistry::ServiceRegistry() : impl_(std::make_unique<Impl>()) {}
ServiceRegistry::~ServiceRegistry() = default;

Status ServiceRegistry::ProvideErased(const std::type_info& type, std::shared_ptr<void> service) {
  if (service == nullptr)
    return Status::InvalidArgument("null service for " + std::string(type.name()));
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto [it, inserted] = impl_->services.emplace(std::type_index(type), std::move(service));
  if (!inserted) {
    return Status::AlreadyExists(std::string("a service of type ") + type.name() +
                                 " is already provided");
  }
  return Status::Ok();
}

std::shared_ptr<void> ServiceRegistry::FindErased(const std::type_info& type) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const auto it = impl_->services.find(std::type_index(type));
  return it == impl_->services.end() ? nullptr : it->second;
}

}  // namespace streamgate
