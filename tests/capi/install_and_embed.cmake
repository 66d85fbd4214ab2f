# cmake -DBUILD_DIR= -DWORK= -DEMBED_SRC= -DPACK= -DDOSSIERS= -DGENERATOR= -P install_and_embed.cmake
# Installs the build into WORK/prefix, checks the layout, then builds
# examples/embed against it with find_package(Hoso) and a C host with
# pkg-config, and runs them on the rule pack.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "${cmd}\nfailed (${rc}):\n${out}\n${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
endfunction()

function(expect text needle)
  string(FIND "${text}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected \"${needle}\" in:\n${text}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
set(PREFIX ${WORK}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})

foreach(f bin/hoso include/hoso/hoso.h include/hoso/engine.h include/hoso/pack.h
          include/hoso/store.h lib/libhoso_runtime.so lib/cmake/Hoso/HosoConfig.cmake
          lib/cmake/Hoso/HosoConfigVersion.cmake lib/cmake/Hoso/HosoTargets.cmake
          lib/pkgconfig/hoso.pc)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "cmake --install did not install ${f}")
  endif()
endforeach()
file(GLOB static_libs ${PREFIX}/lib/*.a)
if(static_libs)
  message(FATAL_ERROR "unexpected static libraries installed: ${static_libs}")
endif()

# A sanitized runtime needs sanitized hosts (the ASan runtime comes first).
set(FLAGS "-DCMAKE_C_FLAGS=${SANITIZE_FLAGS}" "-DCMAKE_CXX_FLAGS=${SANITIZE_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE_FLAGS}")

# find_package(Hoso): the C++ and the C host of examples/embed.
run(${CMAKE_COMMAND} -S ${EMBED_SRC} -B ${WORK}/embed -G ${GENERATOR} ${FLAGS}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=RelWithDebInfo)
run(${CMAKE_COMMAND} --build ${WORK}/embed)
foreach(host embed_cpp embed_c)
  run(${WORK}/embed/${host} ${PACK} ${DOSSIERS})
  expect("${OUT}" "refused: step `receive` is in the hands of")
  expect("${OUT}" "overdue")
  message(STATUS "${host}:\n${OUT}")
endforeach()
expect("${OUT}" "\"on_time_rate\"")

# pkg-config: a tiny consumer project that knows only hoso.pc.
file(MAKE_DIRECTORY ${WORK}/pc-src)
file(WRITE ${WORK}/pc-src/CMakeLists.txt [=[
cmake_minimum_required(VERSION 3.25)
project(HosoPkgConfig LANGUAGES C)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HOSO REQUIRED IMPORTED_TARGET hoso)
add_executable(embed_c_pc ${EMBED_SRC}/main.c)
target_link_libraries(embed_c_pc PRIVATE PkgConfig::HOSO)
]=])
set(ENV{PKG_CONFIG_PATH} ${PREFIX}/lib/pkgconfig)
run(pkg-config --cflags --libs hoso)
expect("${OUT}" "-lhoso_runtime")
run(${CMAKE_COMMAND} -S ${WORK}/pc-src -B ${WORK}/pc -G ${GENERATOR} ${FLAGS}
    -DEMBED_SRC=${EMBED_SRC})
run(${CMAKE_COMMAND} --build ${WORK}/pc)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${PREFIX}/lib ${WORK}/pc/embed_c_pc ${PACK} ${DOSSIERS})
expect("${OUT}" "\"on_time_rate\"")

# The installed command line runs too.
run(${PREFIX}/bin/hoso --help)
message(STATUS "installed into ${PREFIX}; find_package and pkg-config hosts built and ran")
