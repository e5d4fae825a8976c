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
    invr_public_target(invr_${name} ${name} INTERFACE)
    target_link_libraries(invr_${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(invr_${name} STATIC ${sources})
  invr_public_target(invr_${name} ${name} PUBLIC)
  target_include_directories(invr_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(invr_${name} PUBLIC ${ARG_DEPS})
  invr_warnings(invr_${name})
endfunction()

# A library target a user may link: include/ from the source tree or the
# installed prefix, the name invr::<export_name> in the build tree
# (an alias) and in an installed package (cmake/InvrInstall.cmake exports
# every target listed in the INVR_EXPORTED_TARGETS global property).
function(invr_public_target target export_name scope)
  target_include_directories(${target} ${scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  add_library(invr::${export_name} ALIAS ${target})
  set_property(GLOBAL APPEND PROPERTY INVR_EXPORTED_TARGETS ${target})
  if(INVR_SANITIZE)
    # An instrumented static library needs the sanitizer runtimes wherever it
    # is linked: an installed sanitizer build hands the flags to find_package
    # consumers (Install.FindPackageExample under scripts/test_sanitize.sh).
    target_link_options(${target} INTERFACE -fsanitize=address,undefined)
  endif()
endfunction()
