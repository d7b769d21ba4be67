# colorize-tensor end to end: the tiny model on each CPU backend must reproduce the PyTorch
# golden (--expect, 1e-4 of the largest value), write the .npy output, and a corrupt model
# must fail with the model-error exit code 3.
file(MAKE_DIRECTORY ${WORK})
foreach(backend cpu-ref cpu)
  set(out ${WORK}/ab_${backend}.npy)
  file(REMOVE ${out})
  execute_process(COMMAND ${TOOL} --model ${DATA}/tiny_colorizer.onnx --backend ${backend}
    --input L=${DATA}/tiny_colorizer_hints_L.npy
    --input hint_ab=${DATA}/tiny_colorizer_hints_hint_ab.npy
    --input hint_mask=${DATA}/tiny_colorizer_hints_hint_mask.npy
    --output ab=${out} --expect ab=${DATA}/tiny_colorizer_hints_ab.npy
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "colorize-tensor --backend ${backend} failed: ${rc}")
  endif()
  file(SIZE ${out} got)
  file(SIZE ${DATA}/tiny_colorizer_hints_ab.npy want)
  if(NOT got EQUAL want)
    message(FATAL_ERROR "output size ${got} != golden size ${want}")
  endif()
endforeach()
# A wrong golden (the automatic case's output for the hints input) must be reported.
execute_process(COMMAND ${TOOL} --model ${DATA}/tiny_colorizer.onnx --backend cpu
  --input L=${DATA}/tiny_colorizer_hints_L.npy
  --input hint_ab=${DATA}/tiny_colorizer_hints_hint_ab.npy
  --input hint_mask=${DATA}/tiny_colorizer_hints_hint_mask.npy
  --expect ab=${DATA}/tiny_colorizer_auto_ab.npy
  RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 5)
  message(FATAL_ERROR "mismatching golden: exit ${rc}, expected 5")
endif()
file(WRITE ${WORK}/corrupt.onnx "not a model")
execute_process(COMMAND ${TOOL} --model ${WORK}/corrupt.onnx --input L=${DATA}/tiny_colorizer_hints_L.npy
  RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 3)
  message(FATAL_ERROR "corrupt model: exit ${rc}, expected 3")
endif()
