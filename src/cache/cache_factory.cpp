// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Builds the Cache backend the `cache.*` configuration section names.
#include "streamgate/cache.h"

namespace streamgate {

Result<std::unique_ptr<Cache>> NewCacheFromConfig(const CacheConfig& config) {
  if (config.backend == CacheConfig::Backend::kRedis) {
    RedisCacheOptions options;
    options.host = config.redis_host;
    options.port = config.redis_port;
    options.password = config.redis_password;
    options.database = static_cast<int>(config.redis_database);
    options.key_prefix = config.redis_key_prefix;
    options.pool_size = config.redis_pool_size;
    options.connect_timeout = std::chrono::milliseconds(config.redis_connect_timeout_ms);
    options.command_timeout = std::chrono::milliseconds(config.redis_command_timeout_ms);
    options.default_ttl = std::chrono::milliseconds(config.default_ttl_ms);
    options.max_key_bytes = config.max_key_bytes;
    options.max_value_bytes = config.max_value_bytes;
    return NewRedisCache(options);
  }
  LruCacheOptions options;
  options.max_bytes = config.max_bytes;
  options.shards = config.shards;
  options.default_ttl = std::chrono::milliseconds(config.default_ttl_ms);
  options.max_key_bytes = config.max_key_bytes;
  options.max_value_bytes = config.max_value_bytes;
  return NewLruCache(options);
}

}  // namespace streamgate
