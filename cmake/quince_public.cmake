# The public headers of each module: what an application (or a user of h3/ over
# another transport) includes. They are installed under include/quince/<module>/,
# carry extern "C" guards and include only each other and the C library
# (tests/install/check_install.sh compiles each one alone, as C and as C++,
# against the installed tree only).
#   crypto: tls.h configures the handshake; it needs cx_x509.h (certificates,
#           trust) and cx_sig.h (signature schemes) for that, cx_err.h (their error
#           codes) and cx_rand.h (the randomness hook).
#   quic:   quic.h, with the types it uses in its config and calls: quic_err.h
#           (wire error codes), cid.h (connection IDs), trace.h and pkt_type.h
#           (the trace hook); endpoint.h for a server.
set(QUINCE_PUBLIC_base   base/qb.h)
set(QUINCE_PUBLIC_crypto crypto/tls.h crypto/cx_rand.h crypto/cx_x509.h crypto/cx_sig.h
                         crypto/cx_err.h)
set(QUINCE_PUBLIC_quic   quic/quic.h quic/quic_err.h quic/cid.h quic/trace.h
                         quic/pkt_type.h quic/endpoint.h)
set(QUINCE_PUBLIC_qpack  qpack/qpack.h)
set(QUINCE_PUBLIC_h3     h3/h3.h)
set(QUINCE_PUBLIC_h3q    h3q/h3q.h)
# Generated (in the build dir): QUINCE_VERSION and quince_version().
set(QUINCE_GENERATED_base base/qb_version.h)

# Internal functions another quince library calls (see quince_shared.cmake).
set(QUINCE_CROSS_base   "qb_vec_*" "qb_ring_*")
set(QUINCE_CROSS_crypto "cx_aead_*" "cx_hp_*" "cx_hkdf_*" "cx_hmac*" "cx_quic_*" "cx_wipe"
                        "cx_initial_*")

# Function names declared in a module's public headers: an identifier directly
# followed by "(" after a return type (function pointer typedefs, macros and
# prose in comments are filtered out by the shape and the lower-case rule).
function(quince_public_functions mod outvar)
  set(names)
  set(files)
  foreach(h ${QUINCE_PUBLIC_${mod}})
    list(APPEND files ${PROJECT_SOURCE_DIR}/${h})
  endforeach()
  foreach(h ${QUINCE_GENERATED_${mod}})
    list(APPEND files ${PROJECT_BINARY_DIR}/include/${h})
  endforeach()
  foreach(f ${files})
    file(READ ${f} text)
    # drop comments so prose like "call foo()" is not taken for a declaration
    string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
    string(REGEX MATCHALL "[A-Za-z0-9_]+[ \t\n*]+[a-z][a-z0-9_]*\\(" decls "${text}")
    foreach(d ${decls})
      string(REGEX MATCH "[a-z][a-z0-9_]*\\($" n "${d}")
      string(REPLACE "(" "" n "${n}")
      if(NOT d MATCHES "^(return|sizeof|if|while|define)[ \t\n*]")
        list(APPEND names ${n})
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  set(${outvar} ${names} PARENT_SCOPE)
endfunction()

function(quince_write_version_script mod path)
  quince_public_functions(${mod} names)
  set(v ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  set(out "/* generated from the public headers of ${mod}/ (cmake/quince_public.cmake) */\n")
  string(APPEND out "QUINCE_${v} {\n  global:\n")
  foreach(n ${names})
    string(APPEND out "    ${n};\n")
  endforeach()
  string(APPEND out "  local: *;\n};\n")
  if(QUINCE_CROSS_${mod})
    string(APPEND out "QUINCE_PRIVATE_${v} {\n  global:\n")
    foreach(n ${QUINCE_CROSS_${mod}})
      string(APPEND out "    ${n};\n")
    endforeach()
    string(APPEND out "} QUINCE_${v};\n")
  endif()
  file(CONFIGURE OUTPUT ${path} CONTENT "${out}" @ONLY)
endfunction()
