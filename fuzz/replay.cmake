# Every fuzz target also builds with the normal compiler as a replay program
# (fuzz/replay_main.c instead of libFuzzer's main): CTest test
# fuzz_replay_<name> (fuzz_replay_varint for fuzz_varint.c) runs each file of
# fuzz/corpus/<target>/ and of fuzz/regressions/<target>/ once, so `make test`
# and `make asan` check the targets' invariants on every build, not only under
# clang.
#
# The fuzz build compiles everything with QUINCE_FUZZING=1, whose only effect is
# the null AEAD in crypto/cx_aead.c (seal writes a zero tag, open skips the
# check); the corpora were grown with it, so the replay must use it too. The
# cheapest correct way: that one file compiled once more with QUINCE_FUZZING=1
# as an object library, put on each replay program's link line ahead of the
# static libraries. A static archive member is only pulled in for a symbol
# still undefined, and the object defines every global symbol cx_aead.o does,
# so the regular libquince_crypto.a is used unchanged and its cx_aead.o is never
# linked (a duplicate definition would fail the link loudly, not silently). No
# second set of libraries, one extra compile.
add_library(quince_aead_fuzzing OBJECT ${CMAKE_SOURCE_DIR}/crypto/cx_aead.c)
target_include_directories(quince_aead_fuzzing PRIVATE ${CMAKE_SOURCE_DIR})
target_compile_definitions(quince_aead_fuzzing PRIVATE QUINCE_FUZZING=1)

include(${CMAKE_SOURCE_DIR}/fuzz/forge.cmake)
add_library(quince_fuzz_replay_main OBJECT ${CMAKE_SOURCE_DIR}/fuzz/replay_main.c)

file(GLOB fuzz_replay_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/fuzz_*.c)
foreach(src ${fuzz_replay_srcs})
  get_filename_component(target ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${target})
  set(exe fuzz_replay_${short})
  add_executable(${exe} ${src} $<TARGET_OBJECTS:quince_fuzz_replay_main>
                 $<TARGET_OBJECTS:quince_aead_fuzzing>)
  target_compile_definitions(${exe} PRIVATE QUINCE_FUZZING=1)
  quince_fuzz_forge(${exe})
  target_link_libraries(${exe} PRIVATE quince_h3 quince_qpack quince_quic
                        quince_crypto quince_base)
  # --need: the corpus must exist and hold inputs; regressions may be empty.
  add_test(NAME ${exe}
           COMMAND ${exe} --need ${CMAKE_SOURCE_DIR}/fuzz/corpus/${target}
                   ${CMAKE_SOURCE_DIR}/fuzz/regressions/${target})
  set_tests_properties(${exe} PROPERTIES TIMEOUT 300)
endforeach()
