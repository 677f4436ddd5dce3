# Third-party dependencies, all from Debian's archive (scripts/setup.sh).

find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc)
pkg_check_modules(BROTLI REQUIRED IMPORTED_TARGET libbrotlienc libbrotlidec)
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)

# CLI11 is header-only; Debian ships it without a CMake package.
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
add_library(CLI11 INTERFACE)
target_include_directories(CLI11 SYSTEM INTERFACE ${CLI11_INCLUDE_DIR})

# V8 10.2 from Debian's libnode108/libnode-dev, unpacked by scripts/setup.sh
# (installing libnode-dev conflicts with nodesource's nodejs). The defines must
# match the configuration libnode was built with (include/node/config.gypi):
# no pointer compression, 64-bit Smis, no sandbox.
set(LIBNODE_ROOT "${CMAKE_SOURCE_DIR}/third_party/libnode/usr" CACHE PATH "unpacked libnode root")
set(LIBNODE_LIB "${LIBNODE_ROOT}/lib/x86_64-linux-gnu/libnode.so.108")
if(NOT EXISTS "${LIBNODE_LIB}")
  message(FATAL_ERROR "V8 not found at ${LIBNODE_LIB}: run scripts/setup.sh first")
endif()
add_library(v8 SHARED IMPORTED GLOBAL)
set_target_properties(v8 PROPERTIES
  IMPORTED_LOCATION "${LIBNODE_LIB}"
  IMPORTED_NO_SONAME OFF)
target_include_directories(v8 SYSTEM INTERFACE
  "${LIBNODE_ROOT}/include/nodejs/deps/v8/include")
target_compile_definitions(v8 INTERFACE V8_DEPRECATION_WARNINGS=0)
# Find libnode at run time from the build tree without LD_LIBRARY_PATH.
set(CMAKE_BUILD_RPATH "${LIBNODE_ROOT}/lib/x86_64-linux-gnu")
