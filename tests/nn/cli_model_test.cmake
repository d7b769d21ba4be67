# The colorize CLI on the committed tiny model through the engine (colorize::Colorizer,
# src/colorizer): a photo with and without hints on the CPU backend, and the errors for a
# corrupt model and an absent backend (exit 1: the input fails, the batch goes on).
file(MAKE_DIRECTORY ${WORK})
set(model ${DATA}/models/tiny_colorizer.onnx)
set(photo ${DATA}/landscape-grey.jpg)
foreach(args "--backend;cpu" "--backend;auto" "--backend;cpu;--hint;20,30,#ff2020")
  file(REMOVE ${WORK}/out.png)
  execute_process(COMMAND ${CLI} -q --model ${model} ${photo} -o ${WORK}/out.png ${args} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}/out.png)
    message(FATAL_ERROR "colorize --model (${args}) failed: ${rc}")
  endif()
  file(SIZE ${WORK}/out.png n)
  if(n LESS 1000)
    message(FATAL_ERROR "suspiciously small output: ${n} bytes")
  endif()
endforeach()
# plain text, not protobuf (no escapes: CMake 4 rejects "\x" in strings)
file(WRITE ${WORK}/corrupt.onnx "garbage, not an ONNX model")
execute_process(COMMAND ${CLI} -q --model ${WORK}/corrupt.onnx ${photo} -o ${WORK}/bad.png
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "model")
  message(FATAL_ERROR "corrupt model: exit ${rc}, message '${err}'")
endif()
