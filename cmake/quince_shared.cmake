# With BUILD_SHARED_LIBS=ON each module also builds as a shared library
# (libquince_X.so.0.1) for installation. The program and the tests keep the
# static ones, because they use internal headers a shared library hides.
#
# Only the public API is exported, through a linker version script per library
# generated from the module's public headers (cmake/quince_public.cmake): every
# function named in them is global, everything else is local. Why a version
# script and not -fvisibility=hidden plus an export macro: the macro would have
# to be written on every public declaration (hundreds of lines in headers other
# work is changing), while the script needs no source edit and follows the
# headers by itself. The few internal functions one quince library calls in
# another (base's buffer and ring, crypto's AEAD/HKDF wrappers that quic/ uses)
# are exported under a separate version node, QUINCE_PRIVATE_<ver>, which no
# installed header declares; tests/install/check_install.sh checks both sets.
#
# The soname carries major.minor: before 1.0 a minor release may break the ABI.

include(${CMAKE_CURRENT_LIST_DIR}/quince_public.cmake)

function(quince_shared_twin name srcs)
  set(deps)
  foreach(d ${ARGN})
    if(TARGET ${d}_shared)
      list(APPEND deps ${d}_shared)
    else()
      list(APPEND deps ${d})
    endif()
  endforeach()
  add_library(${name}_shared SHARED ${srcs})
  target_include_directories(${name}_shared PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}>
    $<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}/include>)
  target_link_libraries(${name}_shared PUBLIC ${deps})
  string(REPLACE "quince_" "" mod ${name})
  set(script ${CMAKE_CURRENT_BINARY_DIR}/${name}.map)
  quince_write_version_script(${mod} ${script})
  set_target_properties(${name}_shared PROPERTIES
    OUTPUT_NAME ${name}
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    LINK_DEPENDS ${script})
  target_link_options(${name}_shared PRIVATE
    -Wl,--version-script=${script} -Wl,--no-undefined)
endfunction()
