# The libraries invr links that ship no CMake package (Debian's libfaiss-dev
# and libhiredis-dev), as imported targets invr_ext::faiss and
# invr_ext::hiredis. Included by the build (cmake/Dependencies.cmake) and, once
# installed, by invrConfig.cmake, so the exported targets name them instead of
# absolute paths. Leaves the target undefined when the library is missing;
# the caller decides whether that is an error.
#
# invr_import_library(faiss): Debian ships only the static libfaiss.a; its
# OpenMP and LAPACK come from invr::retrieval's own link line.
macro(invr_import_library name)
  if(NOT TARGET invr_ext::${name})
    find_library(INVR_${name}_LIBRARY NAMES ${name})
    if(INVR_${name}_LIBRARY)
      add_library(invr_ext::${name} UNKNOWN IMPORTED)
      set_target_properties(invr_ext::${name} PROPERTIES IMPORTED_LOCATION "${INVR_${name}_LIBRARY}")
    endif()
  endif()
endmacro()
