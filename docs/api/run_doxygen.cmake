# Runs Doxygen over include/streamgate/ with docs/api/Doxyfile, filling in the paths.
#   cmake -DDOXYGEN=doxygen -DSOURCE_DIR=<repo> -DOUTPUT_DIR=<dir>
#         [-DWARN_AS_ERROR=FAIL_ON_WARNINGS] -P docs/api/run_doxygen.cmake
# Later settings override earlier ones in a Doxyfile, so the overrides are appended.
foreach(var DOXYGEN SOURCE_DIR OUTPUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_doxygen.cmake: -D${var}= is required")
  endif()
endforeach()
if(NOT DEFINED PYTHON)
  find_program(PYTHON NAMES python3 REQUIRED)
endif()
if(NOT DEFINED WARN_AS_ERROR)
  set(WARN_AS_ERROR NO)
endif()
file(STRINGS ${SOURCE_DIR}/include/streamgate/version.h version_line
  REGEX "define STREAMGATE_VERSION_STRING")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" version "${version_line}")

file(READ ${SOURCE_DIR}/docs/api/Doxyfile doxyfile)
string(APPEND doxyfile "
PROJECT_NUMBER   = ${version}
INPUT            = ${SOURCE_DIR}/include/streamgate ${SOURCE_DIR}/docs/api/mainpage.md
USE_MDFILE_AS_MAINPAGE = ${SOURCE_DIR}/docs/api/mainpage.md
STRIP_FROM_PATH  = ${SOURCE_DIR}/include
STRIP_FROM_INC_PATH = ${SOURCE_DIR}/include
OUTPUT_DIRECTORY = ${OUTPUT_DIR}
INPUT_FILTER     = \"${PYTHON} ${SOURCE_DIR}/docs/api/doxygen_filter.py\"
FILTER_PATTERNS  =
WARN_AS_ERROR    = ${WARN_AS_ERROR}
")
file(MAKE_DIRECTORY ${OUTPUT_DIR})
file(WRITE ${OUTPUT_DIR}/Doxyfile "${doxyfile}")
execute_process(COMMAND ${DOXYGEN} ${OUTPUT_DIR}/Doxyfile RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "doxygen failed (${result}): see the warnings above")
endif()
message(STATUS "API reference: ${OUTPUT_DIR}/html/index.html")
