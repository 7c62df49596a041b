// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
#include "auth/deferred_cache.h"

namespace streamgate::internal {
namespace {

Status Unbound() { return Status::Unavailable("nonce store not started"); }

}  // namespace

void DeferredCache::Bind(std::shared_ptr<Cache> target) {
  std::lock_guard lock(mu_);
  target_ = std::move(target);
}

std::shared_ptr<Cache> DeferredCache::Target() const {
  std::lock_guard lock(mu_);
  return target_;
}

Result<std::string> DeferredCache::Get(std::string_view key) {
  const auto target = Target();
  if (!target) return Unbound();
  return target->Get(key);
}
Status DeferredCache::Set(std::string_view key, std::string_view value,
                          std::chrono::milliseconds ttl) {
  const auto target = Target();
  if (!target) return Unbound();
  return target->Set(key, value, ttl);
}
Result<bool> DeferredCache::SetIfAbsent(std::string_view key, std::string_view value,
                                        std::chrono::milliseconds ttl) {
  const auto target = Target();
  if (!target) return Unbound();
  return target->SetIfAbsent(key, value, ttl);
}
Result<std::string> DeferredCache::Take(std::string_view key) {
  const auto target = Target();
  if (!target) return Unbound();
  return target->Take(key);
}
Result<bool> DeferredCache::Delete(std::string_view key) {
  const auto target = Target();
  if (!target) return Unbound();
  return target->Delete(key);
}
Result<uint64_t> DeferredCache::DeleteByPrefix(std::string_view prefix) {
  const auto target = Target();
  if (!target) return Unbound();
  return target->DeleteByPrefix(prefix);
}
Status DeferredCache::Clear() {
  const auto target = Target();
  if (!target) return Unbound();
  return target->Clear();
}
CacheStats DeferredCache::Stats() const {
  const auto target = Target();
  return target ? target->Stats() : CacheStats{};
}
std::string_view DeferredCache::backend() const {
  const auto target = Target();
  return target ? target->backend() : std::string_view("unbound");
}

}  // namespace streamgate::internal
