# Cross build for 32-bit ARM (armhf: ARMv7, hard float) with Debian's cross
# compiler (crossbuild-essential-armhf) against Debian's armhf libraries
# (libssl-dev:armhf, libcmocka-dev:armhf, multiarch under /usr/lib/arm-linux-gnueabihf).
# Test programs run under qemu-user: CTest prefixes every test whose command is a
# target with CMAKE_CROSSCOMPILING_EMULATOR. `make cross-arm` uses this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(QUINCE_CROSS_TRIPLE arm-linux-gnueabihf)

set(CMAKE_C_COMPILER ${QUINCE_CROSS_TRIPLE}-gcc)
set(CMAKE_AR ${QUINCE_CROSS_TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${QUINCE_CROSS_TRIPLE}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP ${QUINCE_CROSS_TRIPLE}-strip CACHE FILEPATH "")

# Debian multiarch: headers in /usr/include (+ /usr/include/<triple>), libraries in
# /usr/lib/<triple>; the cross compiler already searches both. Look for libraries
# and headers only there, and for programs only on the host.
set(CMAKE_LIBRARY_ARCHITECTURE ${QUINCE_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${QUINCE_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config (cmocka) must read the armhf .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${QUINCE_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# qemu-user runs the test programs; -L gives it the armhf loader and libraries.
find_program(QUINCE_QEMU_ARM NAMES qemu-arm qemu-arm-static)
if(QUINCE_QEMU_ARM)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${QUINCE_QEMU_ARM} -L /usr/${QUINCE_CROSS_TRIPLE})
endif()
