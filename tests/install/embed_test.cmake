# An installed copy as its users meet it: this build installed into a fresh prefix, the command
# run with its installed models, and an embedding program as its developer builds it:
# native/examples/embed configured with find_package(colorize) against it, built and run on
# the tiny test model (with a hint) and on a missing model.
# Variables: BUILD (this build), SRC (the source tree), DATA (tests/data), WORK, GENERATOR, CXX.
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
