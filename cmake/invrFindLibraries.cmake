# The libraries invr links that ship no CMake package (Debian's libfaiss-dev
# and libhiredis-dev), as imported targets invr_ext::faiss and
# invr_ext::hiredis. Included by the build (cmake/Dependencies.cmake) and, once
# installed, by invrConfig.cmake, so the exported targets name them instead of
# absolute paths. Each macro leaves the target undefined when the library is
# missing; the caller decides whether that is an error.

macro(invr_import_faiss)
  if(NOT TARGET invr_ext::faiss)
    # Debian ships only the static libfaiss.a; its OpenMP and LAPACK come
    # from invr::retrieval's own link line.
    find_library(INVR_FAISS_LIBRARY NAMES faiss)
    if(INVR_FAISS_LIBRARY)
      add_library(invr_ext::faiss UNKNOWN IMPORTED)
      set_target_properties(invr_ext::faiss PROPERTIES IMPORTED_LOCATION "${INVR_FAISS_LIBRARY}")
    endif()
  endif()
endmacro()

macro(invr_import_hiredis)
  if(NOT TARGET invr_ext::hiredis)
    find_library(INVR_HIREDIS_LIBRARY NAMES hiredis)
    if(INVR_HIREDIS_LIBRARY)
      add_library(invr_ext::hiredis UNKNOWN IMPORTED)
      set_target_properties(invr_ext::hiredis PROPERTIES IMPORTED_LOCATION "${INVR_HIREDIS_LIBRARY}")
    endif()
  endif()
endmacro()
