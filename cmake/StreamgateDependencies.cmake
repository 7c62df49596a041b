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
