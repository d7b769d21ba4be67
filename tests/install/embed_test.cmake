# An installed copy as its users meet it: this build installed into a fresh prefix, the command
# run with its installed models, and an embedding program as its developer builds it:
# native/examples/embed configured with find_package(colorize) against it, built and run on
# the tiny test model (with a hint) and on a missing model.
# The C interface likewise: a C program against the installed header and libcolorize.so, and
# (where python3 with numpy is found) the installed Python module, each with the installed
# default model found by the library itself.
# Variables: BUILD (this build), SRC (the source tree), DATA (tests/data), WORK, GENERATOR, CXX,
# CC.
file(REMOVE_RECURSE ${WORK})
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_out "${out}" PARENT_SCOPE)
endfunction()
step("install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/prefix)
foreach(f include/colorize/colorizer.h lib/cmake/colorize/colorizeConfig.cmake bin/colorize
    include/colorize_c.h lib/libcolorize.so.1 share/colorize/python/colorize_c.py
    share/colorize/models/manifest.json share/colorize/models/README.md
    share/doc/colorize/LICENSE share/doc/colorize/NOTICE.md)
  if(NOT EXISTS ${WORK}/prefix/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
step("configuring the example" ${CMAKE_COMMAND} -S ${SRC}/native/examples/embed -B ${WORK}/build
  -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX}
  -DCMAKE_PREFIX_PATH=${WORK}/prefix)
step("building the example" ${CMAKE_COMMAND} --build ${WORK}/build)
step("running the example" ${WORK}/build/embed ${DATA}/models/tiny_colorizer.onnx
  ${DATA}/landscape-grey.jpg ${WORK}/out.png 64 "100,350,#c03090")
if(NOT step_out MATCHES "640x426, coloured by model" OR NOT EXISTS ${WORK}/out.png)
  message(FATAL_ERROR "unexpected output: ${step_out}")
endif()
execute_process(COMMAND ${WORK}/build/embed ${WORK}/none.onnx ${DATA}/landscape-grey.jpg
  ${WORK}/none.png RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "none.onnx" OR EXISTS ${WORK}/none.png)
  message(FATAL_ERROR "a missing model: exit ${rc}, '${err}'")
endif()
# The installed command finds the installed models by itself.
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=COLORIZE_MODELS
  ${WORK}/prefix/bin/colorize ${DATA}/landscape-grey.jpg -o ${WORK}/cli.png
  ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT err MATCHES "prefix/share/colorize/models/" OR NOT EXISTS ${WORK}/cli.png)
  message(FATAL_ERROR "the installed colorize did not use the installed models: ${err}")
endif()
# The C interface: a C program built against the installed header and library (no model
# named: the library finds the installed models beside itself).
step("building the C program" ${CC} -std=c99 -I${WORK}/prefix/include ${SRC}/tests/install/capi_installed.c
  -L${WORK}/prefix/lib -lcolorize -Wl,-rpath,${WORK}/prefix/lib -o ${WORK}/capi_installed)
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=COLORIZE_MODELS ${WORK}/capi_installed
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "models [^\n]*prefix/share/colorize/models")
  message(FATAL_ERROR "the installed libcolorize did not use the installed models: ${rc} ${out} ${err}")
endif()
# The same program built as a C programmer without CMake would, through pkg-config.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${WORK}/prefix/lib/pkgconfig
    ${PKG_CONFIG} --cflags --libs colorize OUTPUT_VARIABLE flags RESULT_VARIABLE rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0 OR NOT flags MATCHES "-lcolorize")
    message(FATAL_ERROR "pkg-config colorize: ${rc} '${flags}'")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  step("building the C program with pkg-config" ${CC} -std=c99 ${SRC}/tests/install/capi_installed.c
    ${flags} -Wl,-rpath,${WORK}/prefix/lib -o ${WORK}/capi_pkgconfig)
  step("running it" ${WORK}/capi_pkgconfig)
endif()
# The installed Python module finds the installed library and models by itself.
find_program(PYTHON3 python3 HINTS /usr/bin)  # Debian's, with numpy (scripts/deps.sh python)
if(PYTHON3)
  execute_process(COMMAND ${PYTHON3} -c "import numpy" RESULT_VARIABLE no_numpy OUTPUT_QUIET ERROR_QUIET)
  if(NOT no_numpy)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=COLORIZE_MODELS --unset=COLORIZE_LIBRARY
      ${PYTHON3} -c "import sys; sys.path.insert(0, sys.argv[1]); import numpy as np, colorize_c; \
print(colorize_c.models_dir()); \
print(colorize_c.Colorizer().colorize(np.tile(np.arange(0, 240, 5, dtype=np.uint8), (32, 1))).shape)"
      ${WORK}/prefix/share/colorize/python OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "prefix/share/colorize/models\n\\(32, 48, 3\\)")
      message(FATAL_ERROR "the installed Python module: ${rc} ${out} ${err}")
    endif()
  endif()
endif()
