// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A Cache whose backend is chosen after construction. The auth plugin must Provide its
// Authenticator in Init (so that other plugins can Find it from Start on), but may only Find the
// shared Cache in Start: this forwards to whichever cache Start binds, and answers Unavailable
// (fail closed) before that. Thread-safe: the target is read under a mutex.
#pragma once

#include <memory>
#include <mutex>

#include "streamgate/cache.h"

namespace streamgate::internal {

class DeferredCache final : public Cache {
 public:
  void Bind(std::shared_ptr<Cache> target);

  Result<std::string> Get(std::string_view key) override;
  Status Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
  Result<bool> SetIfAbsent(std::string_view key, std::string_view value,
                           std::chrono::milliseconds ttl) override;
  Result<std::string> Take(std::string_view key) override;
  Result<bool> Delete(std::string_view key) override;
  Result<uint64_t> DeleteByPrefix(std::string_view prefix) override;
  Status Clear() override;
  CacheStats Stats() const override;
  std::string_view backend() const override;

 private:
  std::shared_ptr<Cache> Target() const;
  mutable std::mutex mu_;
  std::shared_ptr<Cache> target_;  // guarded by mu_
};

}  // namespace streamgate::internal
