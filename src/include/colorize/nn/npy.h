// colorize::nn — NumPy .npy files (format version 1.0 / 2.0), for raw tensor mode and the
// golden tests. Reads little-endian float32, float64 (converted to float32), float16
// (converted), int64, int32, int8, uint8 and bool arrays in C order; writes float32 / int64.
// Malformed headers and truncated data give kCorruptModel / kTruncated, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "colorize/nn/tensor.h"
#include "colorize/status.h"

namespace colorize::nn {

Result<Tensor> parse_npy(const uint8_t* data, size_t size);
Result<Tensor> read_npy(const std::string& path);  // + kIo
// The bytes of an .npy file holding t (float32 as '<f4', integers as '<i8').
std::vector<uint8_t> encode_npy(const Tensor& t);
Status write_npy(const std::string& path, const Tensor& t);  // kIo on failure

}  // namespace colorize::nn
