# The targets that seal packets into a connection (fuzz_conn_*, fuzz_endpoint)
# build tests/common/forge.c, the packet forger the test suites share, into
# their program (no cmocka in it). Used by fuzz/CMakeLists.txt and replay.cmake.
function(quince_fuzz_forge target)
  get_target_property(srcs ${target} SOURCES)
  if(srcs MATCHES "fuzz_conn_|fuzz_endpoint")
    target_sources(${target} PRIVATE ${CMAKE_SOURCE_DIR}/tests/common/forge.c)
    target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  endif()
endfunction()
