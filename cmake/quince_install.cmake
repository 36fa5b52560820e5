# cmake --install: the libraries (static, or shared with BUILD_SHARED_LIBS=ON),
# the public headers under include/quince/<module>/, the quince program,
# pkg-config files (quince.pc and quince-<module>.pc) and the CMake package
# (find_package(quince) -> quince::base, quince::crypto, quince::quic,
# quince::qpack, quince::h3, quince::h3q).
#
# Headers keep their module folders ("quic/quic.h", "base/qb.h") under
# include/quince/, and every consumer gets -I<prefix>/include/quince: the short
# names base/ and crypto/ cannot collide with other packages in /usr/include,
# and no source include has to change.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(QUINCE_MODULES base crypto quic qpack h3 h3q)
set(QUINCE_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/quince)
set(QUINCE_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/quince)

foreach(m ${QUINCE_MODULES})
  if(BUILD_SHARED_LIBS)
    set(t quince_${m}_shared)
  else()
    set(t quince_${m})
  endif()
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${m})
  install(TARGETS ${t} EXPORT quince-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${QUINCE_INCLUDEDIR})
  foreach(h ${QUINCE_PUBLIC_${m}})
    get_filename_component(d ${h} DIRECTORY)
    install(FILES ${h} DESTINATION ${QUINCE_INCLUDEDIR}/${d})
  endforeach()
  foreach(h ${QUINCE_GENERATED_${m}})
    get_filename_component(d ${h} DIRECTORY)
    install(FILES ${PROJECT_BINARY_DIR}/include/${h} DESTINATION ${QUINCE_INCLUDEDIR}/${d})
  endforeach()
endforeach()
if(TARGET quince) # not in the QUINCE_MINIMAL profile
  install(TARGETS quince RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# CMake package.
install(EXPORT quince-targets NAMESPACE quince:: DESTINATION ${QUINCE_CMAKEDIR})
configure_package_config_file(cmake/quince-config.cmake.in
  ${PROJECT_BINARY_DIR}/quince-config.cmake INSTALL_DESTINATION ${QUINCE_CMAKEDIR})
# Before 1.0 only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/quince-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/quince-config.cmake
              ${PROJECT_BINARY_DIR}/quince-config-version.cmake
        DESTINATION ${QUINCE_CMAKEDIR})

# pkg-config: one file per module, each requiring the modules below it, and
# quince.pc for everything. prefix is found relative to the .pc file, so an
# installed tree can be moved (cmake --install --prefix DIR works too).
file(RELATIVE_PATH QUINCE_PC_UP /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" QUINCE_PC_UP "${QUINCE_PC_UP}")
set(QUINCE_PC_REQ_base "")
set(QUINCE_PC_REQ_crypto "quince-base libcrypto >= 3")
set(QUINCE_PC_REQ_quic "quince-crypto quince-base")
set(QUINCE_PC_REQ_qpack "quince-base")
set(QUINCE_PC_REQ_h3 "quince-qpack quince-base")
set(QUINCE_PC_REQ_h3q "quince-h3 quince-quic")
set(QUINCE_PC_DESC_base "quince base: byte reader and writer, varints, buffers, allocator hook")
set(QUINCE_PC_DESC_crypto "quince crypto: libcrypto wrappers and the TLS 1.3 engine for QUIC")
set(QUINCE_PC_DESC_quic "quince QUIC v1 transport (RFC 9000, 9001, 9002, 9221), sans-I/O")
set(QUINCE_PC_DESC_qpack "quince QPACK field sections (RFC 9204, static table)")
set(QUINCE_PC_DESC_h3 "quince HTTP/3 and HTTP Datagrams (RFC 9114, 9297), transport-agnostic")
set(QUINCE_PC_DESC_h3q "quince HTTP/3 over quince QUIC (the h3q binding)")
foreach(m ${QUINCE_MODULES})
  set(PC_NAME quince-${m})
  set(PC_DESC ${QUINCE_PC_DESC_${m}})
  set(PC_REQUIRES ${QUINCE_PC_REQ_${m}})
  set(PC_LIBS "-L\${libdir} -lquince_${m}")
  configure_file(cmake/quince.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/quince-${m}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/quince-${m}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
set(PC_NAME quince)
set(PC_DESC "quince: QUIC v1 + TLS 1.3 + HTTP/3 + QPACK + HTTP Datagrams in C11")
set(PC_REQUIRES "quince-h3q")
set(PC_LIBS "")
configure_file(cmake/quince.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/quince.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/quince.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
