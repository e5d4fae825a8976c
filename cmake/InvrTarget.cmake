# Warnings live on targets, not in global flags (CONTRIBUTING.md, convention 10).
# -Wno-restrict: GCC 12 false positive on `"literal" + std::string&&` (GCC PR 105651).
function(invr_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter -Wno-restrict)
endfunction()

# One static library per pipeline stage, so a stage builds and tests on its own.
# Sources are globbed so adding a file to a stage folder needs no CMake edit.
function(invr_stage name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(NOT sources)
    # A stage not written yet: an empty interface so dependants still link.
    add_library(invr_${name} INTERFACE)
    target_include_directories(invr_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(invr_${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(invr_${name} STATIC ${sources})
  target_include_directories(invr_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(invr_${name} PUBLIC ${ARG_DEPS})
  invr_warnings(invr_${name})
endfunction()
