# Every third-party dependency, found the way Debian 12 packages it (see docs/dependencies.md).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3.10 CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)

# Standalone Asio is header-only.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(streamgate_asio INTERFACE)
target_include_directories(streamgate_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(streamgate_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)

# llhttp has no library package: Debian's node-llhttp ships its C sources. They are compiled into
# an object library that goes inside libstreamgate, so nothing extra has to be installed.
find_path(LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp REQUIRED)
find_path(LLHTTP_SOURCE_DIR llhttp.c PATHS /usr/share/llhttp REQUIRED NO_DEFAULT_PATH)
add_library(streamgate_llhttp OBJECT
  ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c)
target_include_directories(streamgate_llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
set_target_properties(streamgate_llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)

# Libraries libstreamgate links privately. Keep this list and streamgateConfig.cmake.in in step:
# a static libstreamgate hands them on to whoever links it.
find_package(SQLiteCpp CONFIG REQUIRED)        # MetadataStore, JobQueue, upload state
find_package(CURL REQUIRED)                    # S3 object store, chain JSON-RPC
find_package(OpenSSL REQUIRED)                 # SHA-1/SHA-256, HMAC, AES-128 (HLS)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)   # Redis cache, queue, events
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET
  libavformat libavcodec libavfilter libswscale libswresample libavutil)
pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(CRYPTOPP REQUIRED IMPORTED_TARGET libcrypto++)  # Keccak-256

set(STREAMGATE_PRIVATE_LIBRARIES
  SQLiteCpp CURL::libcurl OpenSSL::Crypto PkgConfig::HIREDIS PkgConfig::FFMPEG
  PkgConfig::SECP256K1 PkgConfig::SODIUM PkgConfig::CRYPTOPP)
