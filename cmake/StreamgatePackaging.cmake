# install(EXPORT) + a config file so that `find_package(streamgate CONFIG REQUIRED)` works.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(STREAMGATE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/streamgate)

install(TARGETS streamgate EXPORT streamgateTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT streamgateTargets NAMESPACE streamgate:: DESTINATION ${STREAMGATE_CMAKE_DIR})

configure_package_config_file(cmake/streamgateConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/streamgateConfig.cmake INSTALL_DESTINATION ${STREAMGATE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/streamgateConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/streamgateConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/streamgateConfigVersion.cmake DESTINATION ${STREAMGATE_CMAKE_DIR})
